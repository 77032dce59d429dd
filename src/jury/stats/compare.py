"""Two runs of the same task against the same baseline, compared item by item (the CI gate).

The verdicts on the turns of a multi-turn item are not independent: given each vote's item, the
turns both runs judged are averaged per item first, so the test pairs items, not turns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jury.errors import JuryError
from jury.records import Vote
from jury.stats.pairwise import PairedComparison, paired_comparison_scores


def vote_scores(votes: Sequence[Vote]) -> dict[str, float]:
    """Per item, the panel's verdict as a score in [0, 1]; abstentions have no score."""
    return {v.unit_id: v.outcome.score for v in votes if v.outcome is not None}


@dataclass(frozen=True)
class RunComparison:
    paired: PairedComparison
    shared_items: int  # items both runs judged (a multi-turn item counts once)
    only_in_a: int  # verdicts (items, or turns of multi-turn items) only run A has
    only_in_b: int
    alpha: float

    @property
    def b_significantly_worse(self) -> bool:
        return self.paired.mean_difference < 0 and self.paired.p_value < self.alpha


def _per_item(
    a: dict[str, float], b: dict[str, float], items: Mapping[str, str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each item's mean score over the turns both runs judged."""
    grouped: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for unit in a:
        if unit in b:
            grouped[items.get(unit, unit)].append((a[unit], b[unit]))
    return (
        {i: sum(x for x, _ in pairs) / len(pairs) for i, pairs in grouped.items()},
        {i: sum(y for _, y in pairs) / len(pairs) for i, pairs in grouped.items()},
    )


def compare_votes(
    votes_a: Sequence[Vote],
    votes_b: Sequence[Vote],
    *,
    alpha: float = 0.05,
    seed: int = 0,
    items: Mapping[str, str] | None = None,
) -> RunComparison:
    """Paired on the items both runs judged, so item difficulty cancels out; `items` maps each vote's
    id to its item when the turns of multi-turn items were judged apart."""
    a, b = vote_scores(votes_a), vote_scores(votes_b)
    only_a, only_b = len(set(a) - set(b)), len(set(b) - set(a))
    if items and len(set(items.values())) < len(items):
        a, b = _per_item(a, b, items)
    shared = [i for i in a if i in b]
    if len(shared) < 2:
        raise JuryError(
            f"the two runs share {len(shared)} judged item(s); a paired comparison needs at least two",
            fix="compare runs of the same task",
        )
    paired = paired_comparison_scores([a[i] for i in shared], [b[i] for i in shared], confidence=1 - alpha, seed=seed)
    return RunComparison(paired, len(shared), only_a, only_b, alpha)
