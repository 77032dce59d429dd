"""Two runs of the same task against the same baseline, compared item by item (the CI gate).

The question a gate asks is one-sided ("is B worse than A?"), so the test is the one-sided paired
t-test at level alpha, and the bound printed beside it is the matching one-sided upper confidence
bound of B - A: the gate fails exactly when that bound is below zero. (A two-sided p compared with
alpha tests at alpha/2 in each direction: half the stated level.)

The verdicts on the turns of a multi-turn item are not independent: given each vote's item, the
turns both runs judged are averaged per item first, so the test pairs items, not turns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from jury.records import Vote


def vote_scores(votes: Sequence[Vote]) -> dict[str, float]:
    """Per unit, the panel's verdict as a score in [0, 1]; abstentions have no score."""
    return {v.unit_id: v.outcome.score for v in votes if v.outcome is not None}


@dataclass(frozen=True)
class RegressionTest:
    """B - A on the shared items: mean, its one-sided upper confidence bound and the one-sided p."""

    mean_difference: float
    standard_error: float
    upper_bound: float  # one-sided (1 - alpha) upper confidence bound of the mean difference
    p_value: float  # one-sided: P(a difference this low | B is not worse than A)
    alpha: float
    n: int  # shared items (a multi-turn item counts once)
    b_better: int
    a_better: int
    only_in_a: int  # verdicts (units) only run A has
    only_in_b: int

    @property
    def b_significantly_worse(self) -> bool:
        return self.p_value < self.alpha


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


def shared_scores(
    votes_a: Sequence[Vote], votes_b: Sequence[Vote], items: Mapping[str, str] | None = None
) -> tuple[list[float], list[float], int, int]:
    """(A's scores, B's scores) on the items both judged, and the units only A and only B have."""
    a, b = vote_scores(votes_a), vote_scores(votes_b)
    only_a, only_b = len(set(a) - set(b)), len(set(b) - set(a))
    if items and len(set(items.values())) < len(items):
        a, b = _per_item(a, b, items)
    shared = [i for i in a if i in b]
    return [a[i] for i in shared], [b[i] for i in shared], only_a, only_b


def regression_test(
    votes_a: Sequence[Vote], votes_b: Sequence[Vote], *, alpha: float = 0.05, items: Mapping[str, str] | None = None
) -> RegressionTest:
    """Paired on the items both runs judged, so item difficulty cancels out; `items` maps each vote's
    unit to its item when the turns of multi-turn items were judged apart. ValueError below two shared items."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    xa, xb, only_a, only_b = shared_scores(votes_a, votes_b, items)
    n = len(xa)
    if n < 2:
        raise ValueError(f"a paired comparison needs at least two shared items, got {n}")
    d = np.asarray(xb, dtype=float) - np.asarray(xa, dtype=float)
    mean, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(n))
    if se == 0:  # every item moved by the same amount: no sampling doubt about the sign
        upper, p = mean, (0.0 if mean < 0 else 1.0)
    else:
        upper = mean + float(stats.t.ppf(1 - alpha, n - 1)) * se
        p = float(stats.ttest_rel(xb, xa, alternative="less").pvalue)
    return RegressionTest(
        mean_difference=mean,
        standard_error=se,
        upper_bound=upper,
        p_value=p,
        alpha=alpha,
        n=n,
        b_better=int((d > 0).sum()),
        a_better=int((d < 0).sum()),
        only_in_a=only_a,
        only_in_b=only_b,
    )
