"""`jury report RUN` re-renders a run's files from its record; `jury compare A B` is a CI gate.
Parse, call the library, render: neither makes a model call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jury.errors import JuryError
from jury.report.markdown import pct

console = Console()


def report(
    run: Annotated[str, typer.Argument(help="A reports/RUN-ID folder, a run id under --reports-dir, or `latest`.")],
    reports_dir: Annotated[Path, typer.Option(help="Where run folders live.")] = Path("reports"),
) -> None:
    """Re-render report.md, report.html and the CSV tables of a run from its run log (run.json), with no
    model call; a run written by an earlier version of jury is rewritten in the current format."""
    from jury.report.files import write_report
    from jury.report.terminal import print_summary
    from jury.results.runlog import load_run, resolve_run_dir

    folder = resolve_run_dir(run, reports_dir)
    result = load_run(folder)
    write_report(result)  # an older record version is rewritten as the current one
    print_summary(result, console, str(folder))


def compare(
    run_a: Annotated[str, typer.Argument(help="The reference run (e.g. main's).")],
    run_b: Annotated[str, typer.Argument(help="The run under test (e.g. the pull request's).")],
    alpha: Annotated[
        float, typer.Option(min=1e-6, max=0.5, help="Level of the one-sided paired test (B worse than A).")
    ] = 0.05,
    allow_different_panels: Annotated[
        bool,
        typer.Option(
            "--allow-different-panels",
            help="Compare even when the panels, their rules or the baseline answers differ (the difference is "
            "then not the candidate's alone).",
        ),
    ] = False,
    reports_dir: Annotated[Path, typer.Option(help="Where run folders live.")] = Path("reports"),
) -> None:
    """A CI gate: exit 1 only when run B's win rate is lower than run A's with statistical significance
    (one-sided paired t-test on the items both runs judged); otherwise exit 0, whatever the direction.

    The two runs must share the task, the baseline (name and answers) and the panel (judges, prompts,
    rules), so that the difference is the candidate's.

    **Example**

    `jury compare reports/main-run reports/pr-run --alpha 0.05`
    """
    from jury.results.run_result import check_comparable
    from jury.results.runlog import load_run, resolve_run_dir
    from jury.stats.compare import regression_test, shared_scores

    a = load_run(resolve_run_dir(run_a, reports_dir))
    b = load_run(resolve_run_dir(run_b, reports_dir))
    allowed = check_comparable(a, b, allow_different_panels=allow_different_panels)
    items = {u.unit_id: u.item.item_id for u in (*a.units, *b.units)}  # turns of an item pair as one
    shared = len(shared_scores(a.votes, b.votes, items)[0])
    if shared < 2:
        raise JuryError(
            f"the two runs share {shared} judged item(s); a paired comparison needs at least two",
            fix="compare runs of the same task",
        )
    c = regression_test(a.votes, b.votes, alpha=alpha, items=items)
    for difference in allowed:
        console.print(f"warning: {difference} (allowed by --allow-different-panels)", highlight=False, markup=False)
    console.print(
        f"A {a.run_id}: {pct(a.stats.win_rate.value)}   B {b.run_id}: {pct(b.stats.win_rate.value)}\n"
        f"paired on {c.n} shared items (only in A: {c.only_in_a}, only in B: {c.only_in_b}): "
        f"B - A = {100 * c.mean_difference:+.1f} points, one-sided {100 * (1 - alpha):g}% upper bound "
        f"{100 * c.upper_bound:+.1f}, one-sided p = {c.p_value:.3g}; "
        f"B better on {c.b_better} items, A better on {c.a_better}",
        highlight=False,
        markup=False,
    )
    if c.b_significantly_worse:
        console.print(f"FAIL: B is significantly worse than A (one-sided p < {alpha:g})", highlight=False, markup=False)
        raise typer.Exit(1)
    console.print(f"OK: no significant regression at alpha = {alpha:g}", highlight=False, markup=False)
