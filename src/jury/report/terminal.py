"""The terminal summary: rich tables on stdout."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jury.report.human_sections import AGREEMENT_HEADER, agreement_rows, headline
from jury.report.markdown import answer_counts_text, ci_text, no_consistency_reason, num, pct, units_text, wr_text
from jury.results.run_result import RunResult
from jury.stats.costs import usage_by_judge


def print_summary(result: RunResult, console: Console, report_dir: str) -> None:
    s = result.stats
    w = s.win_rate
    console.print(
        f"\n[bold]{escape(result.candidate)}[/] vs [bold]{escape(result.baseline_name)}[/] "
        f"on {escape(result.spec.task.name)} ({units_text(result)}"
        + (f", {len(result.dropped_items)} dropped: no imported output" if result.dropped_items else "")
        + f"), panel '{escape(result.panel.name)}'",
        markup=True,
        highlight=False,
    )
    if note := result.partial_note():
        console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    console.print(
        f"[bold]win rate {wr_text(w)}[/] ({escape(ci_text(result))})  "
        f"wins {w.wins} · ties {w.ties} · losses {w.losses} · abstained {w.abstained}",
        highlight=False,
    )
    if counts := answer_counts_text(result):
        console.print(escape(counts), highlight=False)
    _print_human(result, console)
    for turn, tw in s.per_turn.items():
        console.print(
            f"  turn {turn}: {wr_text(tw)}  wins {tw.wins} · ties {tw.ties} · losses {tw.losses} · "
            f"abstained {tw.abstained}",
            highlight=False,
        )
    if s.per_turn:
        console.print("  (each turn judged on its own; the overall CI resamples whole conversations)", highlight=False)
    table = Table(title="judges", title_justify="left")
    for col in ("judge", "own win rate (95% CI)", "agrees w/ panel", "position consistency", "abstained"):
        table.add_column(col)
    for js in s.judges:
        pc = js.position_consistency
        table.add_row(
            js.judge,
            wr_text(js.win_rate),
            pct(js.agreement_with_panel.rate),
            pct(pc.rate) if pc.rate is not None else f"n/a ({no_consistency_reason(result, js.judge)})",
            str(js.abstentions),
        )
    console.print(table)
    for (a, b), ag in s.pair_agreement.items():
        console.print(f"judges {a} and {b} agree on {pct(ag.rate)} of {ag.n} {s.units}", highlight=False)
    _print_kappa(result, console)
    _print_cost(result, console)
    for sp in result.bias.self_preference if result.bias else ():
        console.print(
            f"[yellow]warning:[/] judge {sp.judge} is of the candidate's family ({sp.family}): its win rate "
            f"{pct(sp.win_rate)} vs {pct(sp.others_win_rate)} for the other judges; see --exclude-same-family",
            highlight=False,
        )
    console.print(f"model calls: {result.model_calls} made, {result.cached_calls} from the store", highlight=False)
    console.print(f"report: {report_dir}", highlight=False, soft_wrap=True)


def _print_kappa(result: RunResult, console: Console) -> None:
    ag = result.stats.agreement
    if ag is None:
        return
    table = Table(title="Cohen's kappa between judges", title_justify="left")
    for col in ("judge A", "judge B", "items", "kappa [95% CI]"):
        table.add_column(col)
    for p in ag.pairs.itertuples():
        table.add_row(p.rater, p.reference, str(p.n), f"{num(p.kappa)} [{num(p.kappa_low)}, {num(p.kappa_high)}]")
    console.print(table)


def _print_cost(result: RunResult, console: Console) -> None:
    table = Table(title="cost per judge", title_justify="left")
    for col in ("judge", "prompt tokens", "completion tokens", "cost"):
        table.add_column(col, justify="left" if col == "judge" else "right")
    for judge, u in usage_by_judge(result.judgments, [j.name for j in result.panel.judges]).items():
        table.add_row(judge, str(u.prompt_tokens), str(u.completion_tokens), f"${u.cost_usd:.4f}")
    console.print(table)


def _print_human(result: RunResult, console: Console) -> None:
    if result.human is None:
        return
    for line in headline(result):
        console.print(escape(line), highlight=False)
    table = Table(title="agreement with the human labels", title_justify="left")
    for col in AGREEMENT_HEADER:
        table.add_column(col)
    for row in agreement_rows(result.human):
        table.add_row(*map(escape, row))
    console.print(table)
