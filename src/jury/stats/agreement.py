"""How often judges agree with each other and with the panel, and how position-consistent each is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from jury.records import JudgeVote, Preference, Vote


@dataclass(frozen=True)
class Agreement:
    rate: float  # nan when no item has both verdicts
    n: int


def percent_agreement(a: Sequence[Preference | None], b: Sequence[Preference | None]) -> Agreement:
    """Share of items, among those where both gave a verdict, on which the verdicts are equal."""
    both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not both:
        return Agreement(float("nan"), 0)
    return Agreement(sum(x == y for x, y in both) / len(both), len(both))


def judge_pair_agreement(votes: Sequence[Vote], judges: Sequence[str]) -> dict[tuple[str, str], Agreement]:
    return {
        (a, b): percent_agreement([v.per_judge[a] for v in votes], [v.per_judge[b] for v in votes])
        for a, b in combinations(judges, 2)
    }


def agreement_with_panel(votes: Sequence[Vote], judge: str) -> Agreement:
    return percent_agreement([v.per_judge[judge] for v in votes], [v.outcome for v in votes])


@dataclass(frozen=True)
class Consistency:
    rate: float | None  # None: the judge never saw both orders (pointwise strategies)
    n: int


def position_consistency(votes: Sequence[JudgeVote]) -> Mapping[str, Consistency]:
    """Per judge: share of items whose verdict survived swapping the two answers."""
    out: dict[str, Consistency] = {}
    for judge in dict.fromkeys(v.judge for v in votes):
        seen = [v.position_consistent for v in votes if v.judge == judge and v.position_consistent is not None]
        out[judge] = Consistency(sum(seen) / len(seen) if seen else None, len(seen))
    return out
