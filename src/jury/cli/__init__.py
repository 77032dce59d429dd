"""The command line: parse, call the library, render. No logic lives here."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jury.cli.agreement import agreement
from jury.cli.calibrate import calibrate
from jury.cli.leaderboard import leaderboard_app
from jury.cli.probe import probe_injection
from jury.cli.report import compare, report
from jury.cli.tasks import tasks_app, validate
from jury.errors import JuryError
from jury.models.policy import CallPolicy
from jury.workflows import pipeline

app = typer.Typer(
    help="jury: a panel of diverse judge models compares your model with a baseline.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold API keys
    add_completion=False,
    rich_markup_mode="markdown",
)
stdout = Console()
stderr = Console(stderr=True)


class RichProgress:
    """One bar per step (generation, judging), drawn on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start(self, label: str, total: int) -> Callable[[], None]:
        task_id = self.progress.add_task(label, total=total)
        return lambda: self.progress.advance(task_id)


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


_HELP = {
    "task": "Task name (from tasks/) or path to an lm-eval task YAML.",
    "candidate": "Model to evaluate, as a litellm model string (local/... runs in-process).",
    "baseline_outputs": "File of baseline outputs: JSONL/JSON/CSV (id or instruction, output), AlpacaEval, "
    "MT-Bench or Arena-Hard answers. "
    "Default: the task's own baseline answers.",
    "baseline_name": "Name to report for the baseline outputs (default: the file's name).",
    "panel": "Panel name (from panels/) or path to a panel YAML.",
    "limit": "Judge only the first N items.",
    "seed": "Seed for the bootstrap CI.",
    "reports_dir": "Where reports/RUN-ID/ is written.",
    "store": "State folder holding the cache of every model call. Default: $JURY_HOME or ./.jury",
    "concurrency": "Simultaneous requests per remote provider (local models always run one at a time).",
    "max_cost": "Stop before the run's spend could exceed this many US dollars (litellm's offline prices).",
    "workers": "Processes making remote calls (litellm needs ~4 ms of CPU per call). Default: one per core "
    "(at most 4) when one round has 400+ remote calls; 1 keeps every call in this process.",
    "retries": "Retries per call on rate limits, timeouts, connection errors and 5xx (exponential backoff).",
    "timeout": "Seconds before a single remote request times out.",
    "dry_run": "Print how many calls the run would make and their worst-case cost, then stop.",
    "candidate_outputs": "Judge these imported outputs instead of generating (JSONL/CSV, AlpacaEval, MT-Bench, "
    "Arena-Hard or lm-eval --log_samples file); --candidate is then ignored.",
    "candidate_name": "Name to report for --candidate-outputs (default: the model named in the file, else its name).",
    "allow_partial": "Drop items an imported outputs file has no answer for (the report counts them) "
    "instead of failing.",
    "exclude_same_family": "Leave out judges of the candidate's model family (self-preference); the report names them.",
    "batch": "Send the judges' uncached calls through their providers' batch APIs (OpenAI-compatible ones): "
    "about half the price, answers within the provider's 24 h window. Interrupting is safe: the same "
    "command resumes polling. Judges of other providers are called one at a time.",
    "batch_poll": "Seconds between two status checks of a submitted batch (--batch).",
    "columns": "Column mapping for plain JSONL/CSV files, e.g. prompt=question,id=qid,output=answer.",
}


@app.command()
def run(
    task: Annotated[str, typer.Option(help=_HELP["task"])] = pipeline.DEFAULT_TASK,
    candidate: Annotated[str, typer.Option(help=_HELP["candidate"])] = pipeline.DEFAULT_CANDIDATE,
    baseline_outputs: Annotated[Path | None, typer.Option(help=_HELP["baseline_outputs"])] = None,
    baseline_name: Annotated[str | None, typer.Option(help=_HELP["baseline_name"])] = None,
    panel: Annotated[str, typer.Option(help=_HELP["panel"])] = pipeline.DEFAULT_PANEL,
    limit: Annotated[int | None, typer.Option(min=1, help=_HELP["limit"])] = None,
    seed: Annotated[int, typer.Option(help=_HELP["seed"])] = 0,
    reports_dir: Annotated[Path, typer.Option(help=_HELP["reports_dir"])] = Path("reports"),
    store: Annotated[Path | None, typer.Option(help=_HELP["store"])] = None,
    concurrency: Annotated[int, typer.Option(min=1, help=_HELP["concurrency"])] = 8,
    max_cost: Annotated[float | None, typer.Option(min=0, help=_HELP["max_cost"])] = None,
    retries: Annotated[int, typer.Option(min=0, help=_HELP["retries"])] = 4,
    workers: Annotated[int | None, typer.Option(min=1, help=_HELP["workers"])] = None,
    timeout: Annotated[float, typer.Option(min=1, help=_HELP["timeout"])] = 120.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_HELP["dry_run"])] = False,
    candidate_outputs: Annotated[Path | None, typer.Option(help=_HELP["candidate_outputs"])] = None,
    candidate_name: Annotated[str | None, typer.Option(help=_HELP["candidate_name"])] = None,
    allow_partial: Annotated[bool, typer.Option(help=_HELP["allow_partial"])] = False,
    columns: Annotated[str | None, typer.Option(help=_HELP["columns"])] = None,
    exclude_same_family: Annotated[bool, typer.Option(help=_HELP["exclude_same_family"])] = False,
    batch: Annotated[bool, typer.Option("--batch", help=_HELP["batch"])] = False,
    batch_poll: Annotated[float, typer.Option(min=0, help=_HELP["batch_poll"])] = 30.0,
) -> None:
    """Generate the candidate's answers, judge them against the baseline with the panel, report.

    With no options: the built-in demo task, SmolLM2-135M-Instruct as candidate, and the
    embedded local panel (SmolLM2-135M + Gemma 3 270M), all offline on the CPU.
    Every model call is cached in the store: running the same command again resumes.
    """
    from jury.io.formats.plain import parse_columns
    from jury.report.files import write_report
    from jury.report.terminal import print_estimate, print_summary

    config = pipeline.RunConfig(
        task=task,
        candidate=candidate,
        baseline_outputs=baseline_outputs,
        baseline_name=baseline_name,
        panel=panel,
        limit=limit,
        seed=seed,
        reports_dir=reports_dir,
        store=store,
        policy=CallPolicy(
            concurrency=concurrency,
            max_cost_usd=max_cost,
            max_retries=retries,
            timeout_s=timeout,
            workers=workers,
            batch=batch,
            batch_poll_s=batch_poll,
        ),
        candidate_outputs=candidate_outputs,
        candidate_name=candidate_name,
        allow_partial=allow_partial,
        columns=tuple(parse_columns(columns).items()),
        exclude_same_family=exclude_same_family,
    )
    if dry_run:
        from jury.workflows.estimate import estimate

        print_estimate(estimate(config), stdout)
        return
    bar_columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*bar_columns, console=stderr) as bars:
            result = pipeline.run(config, RichProgress(bars))
    except KeyboardInterrupt:
        stderr.print(
            "interrupted: every finished model call is stored"
            + (", and submitted batches keep running at the provider" if batch else "")
            + "; run the same command to resume"
        )
        raise typer.Exit(130) from None
    out = write_report(result)
    print_summary(result, stdout, str(out))


@functools.wraps(run)
def _estimate(**kwargs: Any) -> None:
    run(**{**kwargs, "dry_run": True})


# Same options as `run` (the wrapper keeps run's signature), always a dry run.
app.command("estimate", help="Print the calls `jury run` would make and their worst-case cost; spend nothing.")(
    _estimate
)


@functools.wraps(run)
def _judge(**kwargs: Any) -> None:
    if kwargs.get("candidate_outputs") is None:
        raise JuryError("jury judge needs --candidate-outputs FILE", fix="or use jury run to generate the answers")
    run(**kwargs)


# Same options as `run`; the candidate's answers come from a file (e.g. lm-eval --log_samples), never generated.
app.command("judge", help="Judge imported outputs (--candidate-outputs FILE) against the baseline; no generation.")(
    _judge
)
app.command("agreement")(agreement)
app.command("report")(report)
app.command("compare")(compare)
app.command("calibrate")(calibrate)
app.command("probe-injection")(probe_injection)
app.add_typer(tasks_app, name="tasks")
app.add_typer(leaderboard_app, name="leaderboard")
app.command("validate")(validate)


def main() -> None:
    """Entry point: usage errors are click's (exit 2); user errors print one line and exit 1."""
    try:
        app()
    except JuryError as exc:
        stderr.print(f"error: {exc.one_line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
