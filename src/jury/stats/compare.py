"""Two runs of the same task against the same baseline, compared item by item (the CI gate)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jury.errors import JuryError
from jury.records import Vote
from jury.stats.pairwise import PairedComparison, paired_comparison_scores
from jury.stats.winrate import SCORE


def vote_scores(votes: Sequence[Vote]) -> dict[str, float]:
    """Per item, the panel's verdict as a score in [0, 1]; abstentions have no score."""
    return {v.item_id: SCORE[v.outcome] for v in votes if v.outcome is not None}


@dataclass(frozen=True)
class RunComparison:
    paired: PairedComparison
    shared_items: int
    only_in_a: int
    only_in_b: int
    alpha: float

    @property
    def b_significantly_worse(self) -> bool:
        return self.paired.mean_difference < 0 and self.paired.p_value < self.alpha


def compare_votes(
    votes_a: Sequence[Vote], votes_b: Sequence[Vote], *, alpha: float = 0.05, seed: int = 0
) -> RunComparison:
    """Paired on the items both runs judged, so item difficulty cancels out."""
    a, b = vote_scores(votes_a), vote_scores(votes_b)
    shared = [i for i in a if i in b]
    if len(shared) < 2:
        raise JuryError(
            f"the two runs share {len(shared)} judged item(s); a paired comparison needs at least two",
            fix="compare runs of the same task",
        )
    paired = paired_comparison_scores([a[i] for i in shared], [b[i] for i in shared], confidence=1 - alpha, seed=seed)
    return RunComparison(paired, len(shared), len(set(a) - set(b)), len(set(b) - set(a)), alpha)
