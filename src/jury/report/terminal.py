"""The terminal summary: rich tables on stdout."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jury.pipeline import Estimate, RunResult
from jury.report.markdown import pct, wr_text


def print_summary(result: RunResult, console: Console, report_dir: str) -> None:
    s = result.stats
    w = s.win_rate
    console.print(
        f"\n[bold]{result.config.candidate}[/] vs [bold]{result.baseline_name}[/] "
        f"on {result.task.name} ({len(result.task.items)} items"
        + (f", {len(result.dropped_items)} dropped: no imported output" if result.dropped_items else "")
        + f"), panel '{result.panel.name}'",
        markup=True,
        highlight=False,
    )
    console.print(
        f"[bold]win rate {wr_text(w)}[/] ({int(w.confidence * 100)}% bootstrap CI, ties = ½)  "
        f"wins {w.wins} · ties {w.ties} · losses {w.losses} · abstained {w.abstained}",
        highlight=False,
    )
    table = Table(title="judges", title_justify="left")
    for col in ("judge", "own win rate (95% CI)", "agrees w/ panel", "position consistency", "abstained"):
        table.add_column(col)
    for js in s.judges:
        pc = js.position_consistency
        table.add_row(
            js.judge,
            wr_text(js.win_rate),
            pct(js.agreement_with_panel.rate),
            pct(pc.rate) if pc.rate is not None else "n/a (pointwise)",
            str(js.abstentions),
        )
    console.print(table)
    for (a, b), ag in s.pair_agreement.items():
        console.print(f"judges {a} and {b} agree on {pct(ag.rate)} of {ag.n} items", highlight=False)
    for sp in result.bias.self_preference if result.bias else ():
        console.print(
            f"[yellow]warning:[/] judge {sp.judge} is of the candidate's family ({sp.family}): its win rate "
            f"{pct(sp.win_rate)} vs {pct(sp.others_win_rate)} for the other judges; see --exclude-same-family",
            highlight=False,
        )
    console.print(f"model calls: {result.model_calls} made, {result.cached_calls} from the store", highlight=False)
    console.print(f"report: {report_dir}", highlight=False, soft_wrap=True)


def print_estimate(e: Estimate, console: Console) -> None:
    console.print(f"generations: {e.generation_calls} to make, {e.generation_cached} already stored", highlight=False)
    note = "" if e.judge_exact else " (estimated with the baseline answers standing in for unmade generations)"
    console.print(f"judgments:   {e.judge_calls} to make, {e.judge_cached} already stored{note}", highlight=False)
    console.print(
        f"worst-case cost: ${e.worst_case_cost_usd:.4f} (prompt tokens + max_tokens per call)", highlight=False
    )
    if e.unpriced_models:
        console.print(f"no price known for: {', '.join(e.unpriced_models)}", highlight=False)
