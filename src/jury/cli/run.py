"""`jury run`, `jury judge` and `jury estimate`: build the run's configuration from the options,
call the pipeline, write and print the report. Each command lists only the options it uses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jury.cli import options as o
from jury.errors import JuryError
from jury.models.policy import CallPolicy
from jury.workflows.pipeline import RunConfig

if TYPE_CHECKING:
    from jury.results.run_result import RunResult

stdout = Console()
stderr = Console(stderr=True)


class RichProgress:
    """One bar per step (generation, judging), drawn on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start(self, label: str, total: int):  # type: ignore[no-untyped-def]
        task_id = self.progress.add_task(label, total=total)
        return lambda: self.progress.advance(task_id)


def _config(columns: str | None, policy: CallPolicy | None = None, **fields: object) -> RunConfig:
    from jury.io.formats.plain import parse_columns

    return RunConfig(columns=tuple(parse_columns(columns).items()), policy=policy or CallPolicy(), **fields)  # type: ignore[arg-type]


def _add_human_labels(result: RunResult, path: Path) -> RunResult:
    """Import the export into the finished run's folder, then report the run anchored to those labels."""
    from jury.labels.importing import import_labels
    from jury.report.files import write_report
    from jury.results.runlog import load_run

    import_labels(result, path, labeller=path.stem)
    anchored = load_run(result.report_dir)
    write_report(anchored)
    return anchored


def _execute(config: RunConfig, max_failed: float) -> None:
    """Run, write every report file (a stopped run's too), print the summary; a stopped run then exits
    non-zero: 130 after Ctrl-C, 1 after --max-cost; so does a finished run with no verdict at all or
    more failed calls than --max-failed allows (the report is evidence, and is written first)."""
    from jury.report.files import write_report
    from jury.report.terminal import print_summary
    from jury.results.failures import count_failures, failure_problem
    from jury.workflows.pipeline import run as run_pipeline

    bar_columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*bar_columns, console=stderr) as bars:
        result = run_pipeline(config, RichProgress(bars))
    out = write_report(result)
    if config.human_labels is not None and result.status == "complete":
        result = _add_human_labels(result, config.human_labels)
    print_summary(result, stdout, str(out))
    if result.status == "interrupted":
        stderr.print(
            "interrupted: every finished model call is stored and the partial report is written"
            + (", and submitted batches keep running at the provider" if config.policy.batch else "")
            + "; run the same command to resume",
            highlight=False,
        )
        raise typer.Exit(130)
    if result.status == "stopped_budget":
        raise JuryError(
            result.record.stop_reason or "stopped by --max-cost",
            fix="the partial report is written and everything finished is stored; raise --max-cost and run the "
            "same command to continue",
        )
    problem = failure_problem(result.judgments, result.votes, max_failed)
    if problem:
        raise JuryError(
            problem,
            where=str(out),
            fix="the report is written; check the judges' models, servers and keys, then run the same command "
            "again: finished calls are stored and only the failed ones are made again",
        )
    failures = count_failures(result.judgments)
    if failures.call_failed or failures.parse_failed:
        stdout.print(
            f"note: {failures.describe()}; within --max-failed {max_failed:.1%}", highlight=False, soft_wrap=True
        )


def run(
    task: o.Task = None,
    candidate: o.Candidate = o.DEFAULTS["candidate"],
    candidate_outputs: o.CandidateOutputs = None,
    candidate_name: o.CandidateName = None,
    baseline: o.Baseline = None,
    baseline_outputs: o.BaselineOutputs = None,
    baseline_name: o.BaselineName = None,
    limit: o.Limit = None,
    columns: o.Columns = None,
    allow_partial: o.AllowPartial = False,
    panel: o.Panel = o.DEFAULTS["panel"],
    exclude_same_family: o.ExcludeSameFamily = False,
    store: o.Store = None,
    concurrency: o.Concurrency = 8,
    max_cost: o.MaxCost = None,
    retries: o.Retries = 4,
    workers: o.Workers = None,
    timeout: o.Timeout = 120.0,
    batch: o.Batch = False,
    batch_poll: o.BatchPoll = 30.0,
    max_failed: o.MaxFailed = o.DEFAULT_MAX_FAILED,
    human_labels: o.HumanLabelsFile = None,
    seed: o.Seed = 0,
    reports_dir: o.ReportsDir = Path("reports"),
    dry_run: o.DryRun = False,
) -> None:
    """Generate the candidate's answers, judge them against the baseline with the panel, report.

    With no options: the built-in demo task, SmolLM2-135M-Instruct as candidate, and the embedded
    local panel (SmolLM2-135M + Gemma 3 270M), all offline on the CPU. Every model call is cached in
    the store: running the same command again resumes.

    **Examples**

    `jury run` (the offline demo)

    `jury run --task my_task.yaml --candidate hosted_vllm/my-finetune --panel poll --max-cost 2`

    `jury run --task alpaca_eval.json --candidate hosted_vllm/my-finetune --baseline openai/gpt-4o-mini`

    `jury run --candidate-outputs mine.jsonl --baseline-outputs chatgpt.json` (the task: the instructions both
    files answer)
    """
    policy = CallPolicy(
        concurrency=concurrency,
        max_cost_usd=max_cost,
        max_retries=retries,
        timeout_s=timeout,
        workers=workers,
        batch=batch,
        batch_poll_s=batch_poll,
    )
    config = _config(
        columns,
        policy,
        task=task,
        candidate=candidate,
        candidate_outputs=candidate_outputs,
        candidate_name=candidate_name,
        baseline_model=baseline,
        baseline_outputs=baseline_outputs,
        baseline_name=baseline_name,
        limit=limit,
        allow_partial=allow_partial,
        panel=panel,
        exclude_same_family=exclude_same_family,
        store=store,
        seed=seed,
        reports_dir=reports_dir,
        human_labels=human_labels,
    )
    if dry_run:
        _print_estimate(config)
        return
    _execute(config, max_failed)


def judge(
    candidate_outputs: o.RequiredCandidateOutputs,
    task: o.Task = None,
    candidate_name: o.CandidateName = None,
    baseline: o.Baseline = None,
    baseline_outputs: o.BaselineOutputs = None,
    baseline_name: o.BaselineName = None,
    limit: o.Limit = None,
    columns: o.Columns = None,
    allow_partial: o.AllowPartial = False,
    panel: o.Panel = o.DEFAULTS["panel"],
    exclude_same_family: o.ExcludeSameFamily = False,
    store: o.Store = None,
    concurrency: o.Concurrency = 8,
    max_cost: o.MaxCost = None,
    retries: o.Retries = 4,
    workers: o.Workers = None,
    timeout: o.Timeout = 120.0,
    batch: o.Batch = False,
    batch_poll: o.BatchPoll = 30.0,
    max_failed: o.MaxFailed = o.DEFAULT_MAX_FAILED,
    human_labels: o.HumanLabelsFile = None,
    seed: o.Seed = 0,
    reports_dir: o.ReportsDir = Path("reports"),
) -> None:
    """Judge answers you already have (e.g. lm-eval --log_samples) against the baseline; the candidate's
    answers are never generated.

    **Examples**

    `jury judge --candidate-outputs samples_my_task.jsonl --task my_task.yaml`

    `jury judge --candidate-outputs mine.jsonl --baseline-outputs chatgpt.jsonl --task instructions.jsonl --panel poll`
    """
    policy = CallPolicy(
        concurrency=concurrency,
        max_cost_usd=max_cost,
        max_retries=retries,
        timeout_s=timeout,
        workers=workers,
        batch=batch,
        batch_poll_s=batch_poll,
    )
    _execute(
        _config(
            columns,
            policy,
            task=task,
            candidate_outputs=candidate_outputs,
            candidate_name=candidate_name,
            baseline_model=baseline,
            baseline_outputs=baseline_outputs,
            baseline_name=baseline_name,
            limit=limit,
            allow_partial=allow_partial,
            panel=panel,
            exclude_same_family=exclude_same_family,
            store=store,
            seed=seed,
            reports_dir=reports_dir,
            human_labels=human_labels,
        ),
        max_failed,
    )


def estimate(
    task: o.Task = None,
    candidate: o.Candidate = o.DEFAULTS["candidate"],
    candidate_outputs: o.CandidateOutputs = None,
    baseline: o.Baseline = None,
    baseline_outputs: o.BaselineOutputs = None,
    limit: o.Limit = None,
    columns: o.Columns = None,
    allow_partial: o.AllowPartial = False,
    panel: o.Panel = o.DEFAULTS["panel"],
    exclude_same_family: o.ExcludeSameFamily = False,
    store: o.Store = None,
    batch: o.Batch = False,
) -> None:
    """Print the calls `jury run` would make and their worst-case cost; spend nothing."""
    _print_estimate(
        _config(
            columns,
            CallPolicy(batch=batch),
            task=task,
            candidate=candidate,
            candidate_outputs=candidate_outputs,
            baseline_model=baseline,
            baseline_outputs=baseline_outputs,
            limit=limit,
            allow_partial=allow_partial,
            panel=panel,
            exclude_same_family=exclude_same_family,
            store=store,
        )
    )


def _print_estimate(config: RunConfig) -> None:
    from jury.workflows.estimate import estimate as estimate_run

    e = estimate_run(config)
    stdout.print(f"generations: {e.generation_calls} to make, {e.generation_cached} already stored", highlight=False)
    note = "" if e.judge_exact else " (estimated with the baseline answers standing in for unmade generations)"
    stdout.print(f"judgments:   {e.judge_calls} to make, {e.judge_cached} already stored{note}", highlight=False)
    stdout.print(
        f"worst-case cost: ${e.worst_case_cost_usd:.4f} (prompt tokens + max_tokens per call)", highlight=False
    )
    if e.unpriced_models:
        stdout.print(f"no price known for: {', '.join(e.unpriced_models)}", highlight=False)
