"""The command line: one module per command group, assembled here. Each command parses its options,
calls the library and renders; no logic lives in the CLI.

Errors: every expected failure is a JuryError, printed as one line (what, where, how to fix) with
exit code 1; usage errors are click's (exit 2); Ctrl-C during a run exits 130 after writing the
partial report. Tracebacks never show local variables (they can hold API keys).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from rich.console import Console

from jury.cli.agreement import agreement
from jury.cli.calibrate import calibrate
from jury.cli.label import label
from jury.cli.leaderboard import leaderboard_app
from jury.cli.probe import probe_injection
from jury.cli.report import compare, report
from jury.cli.run import estimate, judge, run
from jury.cli.tasks import tasks_app, validate
from jury.errors import JuryError

app = typer.Typer(
    help="jury: a panel of diverse judge models compares your model with a baseline.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold API keys
    add_completion=False,
    rich_markup_mode="markdown",
)
stderr = Console(stderr=True)


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


app.command("run")(run)
app.command("judge")(judge)
app.command("estimate")(estimate)
app.command("report")(report)
app.command("compare")(compare)
app.command("agreement")(agreement)
app.command("calibrate")(calibrate)
app.command("label")(label)
app.command("probe-injection")(probe_injection)
app.command("validate")(validate)
app.add_typer(tasks_app, name="tasks")
app.add_typer(leaderboard_app, name="leaderboard")


def main() -> None:
    """Entry point: usage errors are click's (exit 2); user errors print one line and exit 1."""
    try:
        app()
    except JuryError as exc:
        stderr.print(f"error: {exc.one_line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except OSError as exc:  # the machine's refusal (disk full, permission, read-only folder): not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        stderr.print(f"error: {where}{exc.strerror or exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
