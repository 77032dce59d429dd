"""report.md: a human-readable report that survives hostile output text."""

from __future__ import annotations

from jury.errors import JuryError
from jury.panel.strategies.registry import get_strategy
from jury.panel.units import is_multi_turn
from jury.records import Preference
from jury.report.bias_sections import bias_markdown
from jury.report.human_sections import human_markdown
from jury.report.item_rows import IDENTICAL, MARKDOWN_ROWS, shown_votes
from jury.results.run_result import RunResult
from jury.stats.costs import usage_by_judge
from jury.stats.winrate import WinRate


def md_cell(text: object, limit: int = 160) -> str:
    """Candidate outputs are untrusted: no pipes, newlines or HTML may break the table."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def pct(x: float | None) -> str:
    return "n/a" if x is None or x != x else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or x != x else f"{x + 0.0:.{digits}f}".replace("-0.000", "0.000")


def ci_text(result: RunResult) -> str:
    """How the win rate's interval was made, in words."""
    w = result.stats.win_rate
    how = "conversations as clusters" if is_multi_turn(result.units) else "exact, Clopper-Pearson"
    return f"{int(w.confidence * 100)}% CI, {how}; ties count ½"


def wr_text(w: WinRate) -> str:
    if w.n == 0:
        return "n/a (nothing judged)"
    return f"{pct(w.value)} [{pct(w.ci_low)}, {pct(w.ci_high)}]"


def no_consistency_reason(result: RunResult, judge: str) -> str:
    """Why a judge has no position consistency: its strategy never swaps the answers, or it is a
    pairwise judge none of whose items had both orders parsed (e.g. every reply unreadable)."""
    spec = next(j for j in result.panel.judges if j.name == judge)
    try:
        independent = get_strategy(spec.strategy).order_independent
    except JuryError:  # a plugin strategy no longer installed: its judgments say whether it swapped
        independent = all(j.order == "pointwise" for j in result.judgments if j.judge == judge)
    return "order-independent" if independent else "no parsed pair"


def units_text(result: RunResult) -> str:
    """How much was judged: "5 items", or for a multi-turn run "5 items, 10 turns judged"."""
    turns = f", {len(result.units)} turns judged" if is_multi_turn(result.units) else ""
    # a task built from the outputs files says where its items came from
    source = f": {result.spec.task.description}" if result.spec.task.format == "outputs" else ""
    return f"{len(result.items)} items{turns}{source}"


def answer_counts_text(result: RunResult) -> str | None:
    """Pairs settled without a judge and empty answers, in one line; None when there were none."""
    parts = [f"identical answers: {result.identical} (tie, no judge call)"] if result.identical else []
    candidate, baseline = result.empty_answers
    if candidate or baseline:
        parts.append(f"empty answers: candidate {candidate}, baseline {baseline}")
    return "; ".join(parts) or None


PER_TURN_NOTE = (
    "Each turn of a conversation is judged on its own: the judge of a later turn sees the earlier turns, "
    "with each side's own answers, as context. The win rate above is over every turn's verdict; its CI "
    "resamples whole conversations, because the turns of one conversation are not independent."
)


def _label(p: Preference | None) -> str:
    return "abstained" if p is None else p.value


def _kappa_section(result: RunResult) -> list[str]:
    ag = result.stats.agreement
    if ag is None:
        return []
    lines = ["### Cohen's kappa", "", "| judge A | judge B | items | kappa [95% CI] |", "| --- | --- | --- | --- |"]
    for p in ag.pairs.itertuples():
        lines.append(
            f"| {md_cell(p.rater)} | {md_cell(p.reference)} | {p.n} | {num(p.kappa)} [{num(p.kappa_low)}, "
            f"{num(p.kappa_high)}] |"
        )
    note = f" ({n}.)" if (n := ag.left_out_note()) else ""
    return [*lines, "", f"Fleiss' kappa {num(ag.fleiss.value)} on {ag.fleiss.n_items} items.{note}", ""]


def _per_turn_section(result: RunResult) -> list[str]:
    if not result.stats.per_turn:
        return []
    lines = [
        "### Per turn",
        "",
        PER_TURN_NOTE,
        "",
        "| turn | win rate (95% CI) | wins | ties | losses | abstained |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for turn, w in result.stats.per_turn.items():
        lines.append(f"| {turn} | {wr_text(w)} | {w.wins} | {w.ties} | {w.losses} | {w.abstained} |")
    return [*lines, ""]


def _cost_section(result: RunResult) -> list[str]:
    usage = usage_by_judge(result.judgments, [j.name for j in result.panel.judges])
    lines = [
        "## Cost per judge",
        "",
        "| judge | prompt tokens | completion tokens | cost |",
        "| --- | --- | --- | --- |",
    ]
    for judge, u in usage.items():
        lines.append(f"| {md_cell(judge)} | {u.prompt_tokens} | {u.completion_tokens} | ${u.cost_usd:.4f} |")
    return [*lines, ""]


def render_markdown(result: RunResult) -> str:
    s = result.stats
    w = s.win_rate
    lines = [
        f"# jury report: {md_cell(result.candidate)} vs {md_cell(result.baseline_name)}",
        "",
        f"- run: `{result.run_id}`",
        f"- task: `{result.spec.task.name}` ({units_text(result)}"
        + (f"; {len(result.dropped_items)} dropped for lack of an imported output" if result.dropped_items else "")
        + ")",
        f"- panel: `{result.panel.name}` — {result.panel.mode} mode ({result.panel.describe_mode()}), "
        f"{result.panel.rule} rule ({result.panel.describe_rule()}), a split vote counts as "
        f"`{result.panel.tie_rule}`, quorum {result.panel.quorum}",
        f"- model calls: {result.model_calls} made, {result.cached_calls} answered from the store",
        *([f"- **{md_cell(note, 1000)}**"] if (note := result.partial_note()) else []),
        "",
        "## Result",
        "",
        f"**Win rate of the candidate against the baseline: {wr_text(w)}** ({ci_text(result)}).",
        "",
        f"Wins {w.wins}, ties {w.ties}, losses {w.losses}, abstained {w.abstained}"
        + "".join(
            f"; {n} below the panel's quorum of {result.panel.quorum}"
            for n in [sum((v.abstain_reason or "").startswith("below quorum") for v in result.votes)]
            if n
        )
        + ".",
        "",
        *([md_cell(counts, 1000) + ".", ""] if (counts := answer_counts_text(result)) else []),
        *_per_turn_section(result),
        *human_markdown(result),
        "## Judges",
        "",
        "| judge | model | strategy | own win rate (95% CI) | agrees with panel | position consistency | abstentions |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    specs = {j.name: j for j in result.panel.judges}
    for js in s.judges:
        spec = specs[js.judge]
        pc = js.position_consistency
        reason = no_consistency_reason(result, js.judge)
        consistency = (
            f"{pct(pc.rate)} (n={pc.n})"
            if pc.rate is not None
            else ("n/a (order-independent strategy)" if reason == "order-independent" else f"n/a ({reason})")
        )
        lines.append(
            f"| {md_cell(js.judge)} | {md_cell(spec.model)} | {spec.strategy} | {wr_text(js.win_rate)} | "
            f"{pct(js.agreement_with_panel.rate)} | {consistency} | {js.abstentions} |"
        )
    lines += [
        "",
        "## Agreement between judges",
        "",
        f"| judge A | judge B | agreement | {s.units} |",
        "| --- | --- | --- | --- |",
    ]
    for (a, b), ag in s.pair_agreement.items():
        lines.append(f"| {md_cell(a)} | {md_cell(b)} | {pct(ag.rate)} | {ag.n} |")
    lines += ["", f"All judges agree on {pct(s.unanimous.rate)} of {s.unanimous.n} {s.units}.", ""]
    lines += _kappa_section(result) + _cost_section(result)
    lines += bias_markdown(result)
    if result.panel.notes:
        lines += ["## About this panel", ""] + [f"- {md_cell(n, 1000)}" for n in result.panel.notes] + [""]
    shown, note = shown_votes(result, MARKDOWN_ROWS)
    lines += [
        "## Items",
        "",
        *([note, ""] if note else []),
        "| item | panel | " + " | ".join(md_cell(j) for j in specs) + " | candidate output |",
        "| --- | --- | " + " | ".join("---" for _ in specs) + " | --- |",
    ]
    units = {u.unit_id: u for u in result.units}  # a multi-turn row shows the answer to its own turn
    for v in shown:
        per = " | ".join(
            IDENTICAL if v.identical else _label(v.per_judge.get(j)) if not v.asked or j in v.asked else "not asked"
            for j in specs
        )
        answer = units[v.unit_id].candidate[-1]
        lines.append(f"| {md_cell(v.unit_id)} | {_label(v.outcome)} | {per} | {md_cell(answer, 120)} |")
    return "\n".join(lines) + "\n"
