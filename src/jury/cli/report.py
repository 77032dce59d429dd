"""`jury report RUN` re-renders a run's files from its record; `jury compare A B` is a CI gate.
Parse, call the library, render: neither makes a model call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jury.report.markdown import pct

console = Console()


def report(
    run: Annotated[str, typer.Argument(help="A reports/RUN-ID folder, or a run id under --reports-dir.")],
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
    alpha: Annotated[float, typer.Option(min=1e-6, max=0.5, help="Significance level of the paired test.")] = 0.05,
    reports_dir: Annotated[Path, typer.Option(help="Where run folders live.")] = Path("reports"),
) -> None:
    """Exit 1 only when run B's win rate is lower than run A's with statistical significance (paired
    t-test on the items both runs judged); otherwise exit 0, whatever the direction."""
    from jury.results.run_result import check_comparable
    from jury.results.runlog import load_run, resolve_run_dir
    from jury.stats.compare import compare_votes

    a = load_run(resolve_run_dir(run_a, reports_dir))
    b = load_run(resolve_run_dir(run_b, reports_dir))
    check_comparable(a, b)
    items = {u.unit_id: u.item.item_id for u in (*a.units, *b.units)}  # turns of an item pair as one
    c = compare_votes(a.votes, b.votes, alpha=alpha, seed=b.spec.seed, items=items)
    p = c.paired
    console.print(
        f"A {a.run_id}: {pct(a.stats.win_rate.value)}   B {b.run_id}: {pct(b.stats.win_rate.value)}\n"
        f"paired on {c.shared_items} shared items (only in A: {c.only_in_a}, only in B: {c.only_in_b}): "
        f"B - A = {100 * p.mean_difference:+.1f} points, {int(100 * (1 - alpha))}% CI "
        f"[{100 * p.ci_low:+.1f}, {100 * p.ci_high:+.1f}], p = {p.p_value:.3g}; "
        f"B better on {p.b_better} items, A better on {p.a_better}",
        highlight=False,
        markup=False,
    )
    if c.b_significantly_worse:
        console.print(f"FAIL: B is significantly worse than A (p < {alpha})", highlight=False, markup=False)
        raise typer.Exit(1)
    console.print(f"OK: no significant regression at alpha = {alpha}", highlight=False, markup=False)
