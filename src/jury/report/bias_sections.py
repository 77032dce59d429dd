"""The bias diagnostics and panel-vote records of a run, for results.json and report.md (render only)."""

from __future__ import annotations

import math
from typing import Any

from jury.results.run_result import RunResult
from jury.stats.bias import HALF, Proportion


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def proportion_json(p: Proportion) -> dict[str, Any]:
    return {"rate": _num(p.value), "ci_low": _num(p.ci_low), "ci_high": _num(p.ci_high), "n": p.n}


def bias_json(result: RunResult) -> dict[str, Any] | None:
    b = result.bias
    if b is None:
        return None
    return {
        "position": {
            j: {**proportion_json(p), "bias": _num(p.value - HALF), "what": "P(answer shown first wins)"}
            for j, p in b.position.items()
        },
        "length": {j: {**proportion_json(p), "what": "P(longer output wins)"} for j, p in b.length.items()},
        "candidate_family": b.candidate_family,
        "self_preference": [
            {
                "judge": s.judge,
                "family": s.family,
                "win_rate": _num(s.win_rate),
                "others_win_rate": _num(s.others_win_rate),
                "delta": _num(s.delta),
            }
            for s in b.self_preference
        ],
        "excluded_same_family": list(b.excluded_same_family),
    }


def votes_json(result: RunResult) -> dict[str, Any]:
    """Per judged unit (an item, or one turn of a multi-turn item), who was asked (the pool's draw,
    the escalation) and why the panel abstained."""
    votes = result.votes
    units = {u.unit_id: u for u in result.units}
    return {
        "n_below_quorum": sum(
            v.abstain_reason is not None and v.abstain_reason.startswith("below quorum") for v in votes
        ),
        "n_escalated": sum(len(v.asked) > 2 for v in votes) if result.panel.mode == "escalate" else None,
        "items": [
            {
                "unit_id": v.unit_id,
                "item": units[v.unit_id].item.item_id,  # the same as unit_id unless the item has several turns
                "turn": units[v.unit_id].turn,
                "outcome": v.outcome.value if v.outcome else None,
                "asked": list(v.asked),
                "score": v.score,
                "abstain_reason": v.abstain_reason,
                "identical": v.identical,  # the two answers were the same text: a tie without a judge call
            }
            for v in votes
        ],
    }


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _p(p: Proportion) -> str:
    return (
        "n/a (no decided verdicts)" if p.n == 0 else f"{_pct(p.value)} [{_pct(p.ci_low)}, {_pct(p.ci_high)}] (n={p.n})"
    )


def bias_markdown(result: RunResult) -> list[str]:
    b = result.bias
    if b is None:
        return []
    lines = ["## Bias diagnostics", ""]
    if b.position:
        lines += [
            "Position: how often the answer shown first wins (unbiased: 50%; exact 95% CI, clustered by item).",
            "",
        ]
        lines += [f"- {j}: {_p(p)}, bias {100 * (p.value - HALF):+.1f} points" for j, p in b.position.items() if p.n]
        lines += [f"- {j}: {_p(p)}" for j, p in b.position.items() if not p.n] + [""]
    lines += ["Length: how often the longer output wins, among items with a winner.", ""]
    lines += [f"- {j}: {_p(p)}" for j, p in b.length.items()] + [""]
    if b.self_preference:
        lines += [f"**Warning: judges of the candidate's family ({b.candidate_family}) sit on the panel.**", ""]
        lines += [
            f"- {s.judge}: its win rate {_pct(s.win_rate)}, the other judges' {_pct(s.others_win_rate)} "
            f"(delta {100 * s.delta:+.1f} points); rerun with `--exclude-same-family` to leave it out"
            for s in b.self_preference
        ] + [""]
    if b.excluded_same_family:
        lines += [f"Left out as the candidate's family: {', '.join(b.excluded_same_family)}.", ""]
    return lines
