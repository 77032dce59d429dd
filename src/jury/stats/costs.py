"""Tokens and dollars per judge: what each member of a panel cost, summed from its judgments."""

from __future__ import annotations

from collections.abc import Sequence

from jury.records import Judgment, Usage


def usage_by_judge(judgments: Sequence[Judgment], judges: Sequence[str]) -> dict[str, Usage]:
    """Every judge of the panel gets a row, even one whose calls all came from the store at zero cost."""
    totals = {j: [0, 0, 0.0, 0.0] for j in judges}
    for j in judgments:
        t = totals.setdefault(j.judge, [0, 0, 0.0, 0.0])
        t[0] += j.usage.prompt_tokens
        t[1] += j.usage.completion_tokens
        t[2] += j.usage.cost_usd
        t[3] += j.usage.latency_s
    return {j: Usage(int(t[0]), int(t[1]), float(t[2]), float(t[3])) for j, t in totals.items()}
