"""report.html: one self-contained page per run, one function per section so sections can be added
without touching the others. Numbers come from RunStats and the stats package; nothing is computed here."""

from __future__ import annotations

from jury.panel.units import turn_prompt
from jury.report.html_page import esc, num, page, section, table
from jury.report.human_sections import human_html
from jury.report.item_rows import HTML_ROWS, IDENTICAL, clip, shown_votes
from jury.report.markdown import (
    PER_TURN_NOTE,
    answer_counts_text,
    ci_text,
    no_consistency_reason,
    pct,
    units_text,
    wr_text,
)
from jury.report.svg import CiBar, heatmap, value_chart, win_rate_chart
from jury.results.run_result import RunResult
from jury.stats.costs import usage_by_judge


def _header(r: RunResult) -> str:
    dropped = f"; {len(r.dropped_items)} dropped for lack of an imported output" if r.dropped_items else ""
    return (
        f"<h1>jury report: {esc(r.candidate)} vs {esc(r.baseline_name)}</h1><ul>"
        f"<li>run: <code>{esc(r.run_id)}</code></li>"
        f"<li>task: <code>{esc(r.spec.task.name)}</code> ({esc(units_text(r))}{esc(dropped)})</li>"
        f"<li>panel: <code>{esc(r.panel.name)}</code>: {esc(r.panel.mode)} mode ({esc(r.panel.describe_mode())}), "
        f"{esc(r.panel.rule)} vote, a split vote counts as <code>{esc(r.panel.tie_rule)}</code></li>"
        f"<li>model calls: {r.model_calls} made, {r.cached_calls} answered from the store</li>"
        + (f"<li><b>{esc(note)}</b></li>" if (note := r.partial_note()) else "")
        + "</ul>"
    )


def _result(r: RunResult) -> str:
    w = r.stats.win_rate
    chart = win_rate_chart(
        [CiBar(r.candidate, w.value, w.ci_low, w.ci_high)], f"Win rate vs {r.baseline_name} (95% CI)"
    )
    return section(
        "Result",
        f'<p class="headline"><b>Win rate of the candidate against the baseline: {esc(wr_text(w))}</b> '
        f"({esc(ci_text(r))}).</p>",
        f"<p>Wins {w.wins}, ties {w.ties}, losses {w.losses}, abstained {w.abstained}.</p>"
        + (f"<p>{esc(counts)}.</p>" if (counts := answer_counts_text(r)) else ""),
        chart,
        ident="result",
    )


def _per_turn(r: RunResult) -> str:
    per_turn = r.stats.per_turn
    if not per_turn:
        return ""
    rows = [[turn, wr_text(w), w.wins, w.ties, w.losses, w.abstained] for turn, w in per_turn.items()]
    header = ["turn", "win rate (95% CI)", "wins", "ties", "losses", "abstained"]
    bars = [CiBar(f"turn {turn}", w.value, w.ci_low, w.ci_high) for turn, w in per_turn.items()]
    chart = win_rate_chart(bars, f"Win rate vs {r.baseline_name} per turn (95% CI)", "per-turn-win-rate")
    return section(
        "Per turn", f"<p>{esc(PER_TURN_NOTE)}</p>", table(header, rows, numeric=(2, 3, 4, 5)), chart, ident="per-turn"
    )


def _judges(r: RunResult) -> str:
    specs = {j.name: j for j in r.panel.judges}
    rows = []
    for js in r.stats.judges:
        pc = js.position_consistency
        rows.append(
            [
                js.judge,
                specs[js.judge].model,
                specs[js.judge].strategy,
                wr_text(js.win_rate),
                pct(js.agreement_with_panel.rate),
                f"{pct(pc.rate)} (n={pc.n})" if pc.rate is not None else f"n/a ({no_consistency_reason(r, js.judge)})",
                js.abstentions,
            ]
        )
    header = ["judge", "model", "strategy", "own win rate (95% CI)", "agrees with panel", "position consistency",
              "abstentions"]  # fmt: skip
    bars = [CiBar(js.judge, js.win_rate.value, js.win_rate.ci_low, js.win_rate.ci_high) for js in r.stats.judges]
    return section(
        "Judges", table(header, rows, numeric=(6,)), win_rate_chart(bars, "Each judge's own win rate (95% CI)",
                                                                    "judge-win-rate"), ident="judges"
    )  # fmt: skip


def _agreement(r: RunResult) -> str:
    ag = r.stats.agreement
    if ag is None:
        return section("Agreement between judges", "<p>One judge: no agreement to measure.</p>", ident="agreement")
    pairs = ag.pairs
    rows = [
        [p.rater, p.reference, p.n, pct(p.agreement), f"{num(p.kappa)} [{num(p.kappa_low)}, {num(p.kappa_high)}]"]
        for p in pairs.itertuples()
    ]
    cells = {(p.rater, p.reference): p.kappa for p in pairs.itertuples()}
    chart = heatmap([j.name for j in r.panel.judges], cells, "Cohen's kappa between judges")
    left_out = f"{esc(n[0].upper() + n[1:])}. " if (n := ag.left_out_note()) else ""
    many = (
        f"<p>Fleiss' kappa {num(ag.fleiss.value)} on {ag.fleiss.n_items} items; "
        f"Krippendorff's alpha (nominal) {num(ag.alpha_nominal.value)}. {left_out}"
        f"All judges agree on {pct(r.stats.unanimous.rate)} of {r.stats.unanimous.n} {r.stats.units}.</p>"
    )
    header = ["judge A", "judge B", "items", "agreement", "Cohen's kappa [95% CI]"]
    return section("Agreement between judges", table(header, rows, numeric=(2,)), chart, many, ident="agreement")


def _bias(r: RunResult) -> str:
    """Position consistency (pairwise judges), P(first answer wins) and P(longer answer wins) per
    judge with exact CIs, and any self-preference warning; absent figures are left out."""
    parts = []
    shown = [js for js in r.stats.judges if js.position_consistency.rate is not None]
    if shown:
        bars = [CiBar(js.judge, js.position_consistency.rate, float("nan"), float("nan")) for js in shown]
        parts.append(win_rate_chart(bars, "Position consistency (verdict survives swapping A and B)", "position-bias"))
    b = r.bias
    if b is not None:
        for figures, title, kind in (
            (b.position, "P(the answer shown first wins) — 50% is unbiased", "position-first"),
            (b.length, "P(the longer answer wins)", "length-bias"),
        ):
            bars = [CiBar(name, p.value, p.ci_low, p.ci_high) for name, p in figures.items() if p.n]
            if bars:
                parts.append(win_rate_chart(bars, title, kind))
        for sp in b.self_preference:
            parts.append(
                f"<p class='warning'>Judge {esc(sp.judge)} is of the candidate's family ({esc(sp.family)}): its win "
                f"rate {pct(sp.win_rate)} against {pct(sp.others_win_rate)} for the other judges.</p>"
            )
    return section("Position and length bias", *parts, ident="bias") if parts else ""


def _cost(r: RunResult) -> str:
    usage = usage_by_judge(r.judgments, [j.name for j in r.panel.judges])
    rows = [[j, u.prompt_tokens, u.completion_tokens, f"${u.cost_usd:.4f}"] for j, u in usage.items()]
    chart = value_chart([(j, u.cost_usd) for j, u in usage.items()], "Cost per judge (USD)", "${:.4f}", "cost")
    note = '<p class="note">Calls answered from the store are counted at the cost of the call that stored them.</p>'
    return section("Cost per judge", table(["judge", "prompt tokens", "completion tokens", "cost"], rows,
                                           numeric=(1, 2, 3)), chart, note, ident="cost")  # fmt: skip


def _notes(r: RunResult) -> str:
    if not r.panel.notes:
        return ""
    return section("About this panel", "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in r.panel.notes) + "</ul>")


def _items(r: RunResult) -> str:
    judges = [j.name for j in r.panel.judges]
    units = {u.unit_id: u for u in r.units}  # a multi-turn row shows its own turn's prompt and answers

    def label(p: object) -> str:
        return "abstained" if p is None else str(getattr(p, "value", p))

    shown, note = shown_votes(r, HTML_ROWS)
    rows = [
        [v.unit_id, label(v.outcome), *(IDENTICAL if v.identical else label(v.per_judge.get(j)) for j in judges),
         clip(turn_prompt(u)),
         clip(u.candidate[-1]), clip(u.baseline[-1])]
        for v in shown
        for u in [units[v.unit_id]]
    ]  # fmt: skip
    header = ["item", "panel", *judges, "prompt", "candidate output", "baseline output"]
    return section("Items", (f"<p>{esc(note)}</p>" if note else "") + table(header, rows, cls="items"), ident="items")


SECTIONS = (_header, _result, human_html, _per_turn, _judges, _agreement, _bias, _cost, _notes, _items)


def render_html(result: RunResult) -> str:
    return page(f"jury report: {result.candidate} vs {result.baseline_name}", [s(result) for s in SECTIONS])
