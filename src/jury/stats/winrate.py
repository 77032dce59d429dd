"""Win rate against a baseline, ties counted as half a win, with a seeded bootstrap CI.

Verdicts that are not independent (the turns of one conversation) name their cluster, and the CI
and standard error then resample and sum whole clusters instead of single verdicts."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from jury.records import Preference
from jury.stats.pairwise import bootstrap_mean_ci, cluster_bootstrap_mean_ci, cluster_standard_error


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
    n_resamples: int = 2000,
    seed: int = 0,
    clusters: Sequence[Hashable] | None = None,
) -> WinRate:
    """Abstentions are left out of the rate and counted apart; the CI is a percentile bootstrap.
    `clusters`, one label per outcome, makes it a cluster bootstrap (see cluster_bootstrap_mean_ci)."""
    if clusters is not None and len(clusters) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes but {len(clusters)} cluster labels")
    kept = [k for k, o in enumerate(outcomes) if o is not None]
    judged = [outcomes[k] for k in kept]
    scores = np.array([o.score for o in judged], dtype=float)
    counts = {p: sum(1 for o in judged if o is p) for p in Preference}
    abstained = len(outcomes) - len(judged)
    value = float(scores.mean()) if scores.size else float("nan")
    if clusters is None:
        low, high = bootstrap_mean_ci(scores, confidence=confidence, n_resamples=n_resamples, seed=seed)
        se = float(scores.std(ddof=1) / np.sqrt(scores.size)) if scores.size > 1 else float("nan")
    else:
        labels = [clusters[k] for k in kept]
        low, high = cluster_bootstrap_mean_ci(scores, labels, confidence=confidence, n_resamples=n_resamples, seed=seed)
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
