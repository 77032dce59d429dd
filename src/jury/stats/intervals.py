"""Confidence intervals for a mean of scores in [0, 1] (a win rate with ties as ½, a bias rate) that keep
their coverage at 0 and 1, where a percentile bootstrap collapses (5 wins of 5 gave [100%, 100%]).

Independent scores: the Clopper-Pearson (exact binomial) interval of the score total x = sum(scores)
out of n. For 0/1 scores that is the textbook interval, whose coverage is never below the nominal level;
a fractional total (ties) uses the same beta quantiles. A score in [0, 1] with mean mu has variance at
most mu (1 - mu), with equality only for 0/1 outcomes, so ties make the interval conservative, not narrow.

Clustered scores (the turns of one conversation, the two presentation orders of one item): Korn and
Graubard's (1998) effective sample size, which NCHS uses for survey proportions. The design effect deff
is the cluster-robust variance of the mean over the variance the same scores would have if independent;
the interval is Clopper-Pearson with n* = n / deff trials and x* = mean * n* successes, n* scaled by
(t_{n-1} / t_{G-1})^2 for the G - 1 degrees of freedom that G clusters leave. n* is never below the
worst case, every cluster perfectly correlated: n^2 / sum(cluster size^2), the number of clusters when
they are of one size (Clopper-Pearson over whole clusters is valid whatever the correlation). The worst
case is also used where the variance says nothing about the correlation: all scores equal, or every
cluster with the same mean. Copying every score of a cluster changes neither the cluster-robust
variance nor the worst case, so copies never narrow the interval.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def clopper_pearson(successes: float, trials: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval from beta quantiles; `successes` and `trials` may be fractional."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if not (trials > 0 and 0 <= successes <= trials):
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {successes} of {trials}")
    tail = (1 - confidence) / 2
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.isf(tail, successes + 1, trials - successes))
    return low, high


def effective_trials(
    values: ArrayLike, clusters: Sequence[Hashable] | None = None, *, confidence: float = 0.95
) -> float:
    """n / deff with Korn and Graubard's degrees-of-freedom factor: n itself without clusters."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if clusters is None:
        return float(n)
    if len(clusters) != n:
        raise ValueError(f"{n} values but {len(clusters)} cluster labels")
    labels = {c: k for k, c in enumerate(dict.fromkeys(clusters))}
    index = np.array([labels[c] for c in clusters], dtype=int)
    sizes = np.bincount(index, minlength=len(labels))
    g = len(labels)
    worst = n**2 / float((sizes**2).sum())  # every cluster counts once (weighted by size)
    if g < 2 or g == n:
        return worst if g < 2 else float(n)
    residual = np.bincount(index, weights=x - x.mean(), minlength=g)
    clustered = g / (g - 1) * float((residual**2).sum()) / n**2  # cluster-robust variance of the mean
    independent = float(x.var(ddof=1)) / n
    if clustered == 0 or independent == 0:  # no information on the correlation: assume the worst
        return worst
    q = (1 + confidence) / 2
    df_factor = (stats.t.ppf(q, n - 1) / stats.t.ppf(q, g - 1)) ** 2
    # never below the worst case, where Clopper-Pearson over the clusters themselves is already valid
    return max(n * independent / clustered * df_factor, worst)


def mean_interval(
    values: ArrayLike, clusters: Sequence[Hashable] | None = None, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval for the mean of scores in [0, 1] (see the module docstring); (nan, nan) without scores."""
    x = np.asarray(values, dtype=float)
    if np.isnan(x).any() or ((x < 0) | (x > 1)).any():
        raise ValueError("scores must lie in [0, 1] and not be NaN (drop abstentions first)")
    if x.size == 0:
        return float("nan"), float("nan")
    trials = effective_trials(x, clusters, confidence=confidence)
    return clopper_pearson(float(x.mean()) * trials, trials, confidence)
