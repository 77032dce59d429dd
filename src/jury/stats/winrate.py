"""Win rate against a baseline, ties counted as half a win, with a CI that keeps its coverage at 0 and 1.

The CI is stats.intervals.mean_interval: Clopper-Pearson on the score total (exact for wins and
losses, conservative with ties). Verdicts that are not independent (the turns of one conversation)
name their cluster; the CI then uses the clusters' effective sample size and the standard error is
cluster-robust."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from jury.records import Preference
from jury.stats.intervals import mean_interval
from jury.stats.pairwise import cluster_standard_error


@dataclass(frozen=True)
class WinRate:
    value: float  # in [0, 1]; nan when nothing was judged
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    wins: int
    ties: int
    losses: int
    abstained: int
    standard_error: float = float("nan")  # sample SEM of the per-item scores (ddof=1); cluster-robust with clusters


def win_rate_with_ci(
    outcomes: Sequence[Preference | None],
    *,
    confidence: float = 0.95,
    clusters: Sequence[Hashable] | None = None,
) -> WinRate:
    """Abstentions are left out of the rate and counted apart. `clusters`, one label per outcome,
    marks outcomes that are not independent (see stats.intervals)."""
    if clusters is not None and len(clusters) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes but {len(clusters)} cluster labels")
    kept = [k for k, o in enumerate(outcomes) if o is not None]
    judged = [outcomes[k] for k in kept]
    scores = np.array([o.score for o in judged], dtype=float)
    counts = {p: sum(1 for o in judged if o is p) for p in Preference}
    abstained = len(outcomes) - len(judged)
    value = float(scores.mean()) if scores.size else float("nan")
    labels = None if clusters is None else [clusters[k] for k in kept]
    low, high = mean_interval(scores, labels, confidence=confidence)
    if labels is None:
        se = float(scores.std(ddof=1) / np.sqrt(scores.size)) if scores.size > 1 else float("nan")
    else:
        se = cluster_standard_error(scores, labels)
    return WinRate(
        value=value,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        n=int(scores.size),
        wins=counts[Preference.CANDIDATE],
        ties=counts[Preference.TIE],
        losses=counts[Preference.BASELINE],
        abstained=abstained,
        standard_error=se,
    )
