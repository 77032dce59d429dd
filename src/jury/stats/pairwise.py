"""Pairwise win rates from per-item scores in [0, 1] (1 = candidate wins, 0 = baseline wins, ½ = tie).

Scores rather than verdicts are the common currency because judges that return probabilities
(AlpacaEval's weighted annotator) give fractional scores: the mean of the scores is the win rate
either way, and the discrete win rate rounds each item to a win, a draw or a loss first.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from jury.records import TIE_SCORE
from jury.stats.intervals import mean_interval

DRAW = TIE_SCORE  # a score of exactly ½ is a draw


@dataclass(frozen=True)
class PairwiseWinRate:
    """Everything a leaderboard row needs about one candidate against one baseline, rates in [0, 1]."""

    value: float  # mean score: ties and fractional preferences count as they are
    standard_error: float  # sample standard error of the mean (ddof=1)
    ci_low: float  # stats.intervals.mean_interval: Clopper-Pearson on the score total
    ci_high: float
    confidence: float
    n: int
    n_wins: int  # score > ½
    n_draws: int  # score == ½
    n_losses: int  # score < ½
    discrete_value: float  # (wins + ½ draws) / n: each item rounded to a verdict first


def bootstrap_mean_ci(
    values: ArrayLike, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of a mean; a constant sample has a point interval (every resample is equal)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return float("nan"), float("nan")
    if x.size == 1 or np.ptp(x) == 0:
        return float(x[0]), float(x[0])
    result = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=confidence,
        n_resamples=n_resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def cluster_standard_error(values: ArrayLike, clusters: Sequence[Hashable]) -> float:
    """Cluster-robust standard error of the mean of all values (the sandwich estimator with the
    G/(G-1) small-sample factor); with clusters of one value it is the usual std(ddof=1)/sqrt(n)."""
    x = np.asarray(values, dtype=float)
    labels = {c: k for k, c in enumerate(dict.fromkeys(clusters))}
    if len(labels) < 2:
        return float("nan")
    index = np.array([labels[c] for c in clusters], dtype=int)
    residual = np.bincount(index, weights=x - x.mean(), minlength=len(labels))
    g = len(labels)
    return float(np.sqrt(g / (g - 1) * (residual**2).sum()) / x.size)


def win_rate_scores(scores: ArrayLike, *, confidence: float = 0.95) -> PairwiseWinRate:
    """Win rate of per-item scores; NaN scores (abstentions) must be removed by the caller, so we refuse them.
    The CI is the one every win rate of jury carries (stats.intervals), which keeps its coverage at 0 and 1."""
    x = np.asarray(scores, dtype=float)
    if np.isnan(x).any():
        raise ValueError("scores contain NaN: drop abstentions before computing a win rate and report their count")
    if ((x < 0) | (x > 1)).any():
        raise ValueError("scores must lie in [0, 1] (1 = candidate wins, 0 = baseline wins, 0.5 = tie)")
    n = int(x.size)
    wins, draws = int((x > DRAW).sum()), int((x == DRAW).sum())
    if n == 0:
        nan = float("nan")
        return PairwiseWinRate(nan, nan, nan, nan, confidence, 0, 0, 0, 0, nan)
    low, high = mean_interval(x, confidence=confidence)
    return PairwiseWinRate(
        value=float(x.mean()),
        standard_error=float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        n=n,
        n_wins=wins,
        n_draws=draws,
        n_losses=n - wins - draws,
        discrete_value=(wins + DRAW * draws) / n,
    )


@dataclass(frozen=True)
class PairedComparison:
    """Is candidate B better than candidate A on the same items against the same baseline?"""

    mean_difference: float  # mean(score_b - score_a), in [-1, 1]
    standard_error: float
    ci_low: float  # paired percentile bootstrap: items are resampled, keeping each pair together
    ci_high: float
    confidence: float
    t_statistic: float  # paired t-test on the per-item differences
    p_value: float  # two-sided
    n: int
    b_better: int  # items where B scored higher than A
    a_better: int


def paired_comparison_scores(
    scores_a: ArrayLike,
    scores_b: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> PairedComparison:
    """Pairing removes the item-difficulty variance both candidates share, so it detects smaller gaps
    than comparing two independent CIs; items where either candidate abstained must be dropped first."""
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same items: got {a.size} and {b.size}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("scores contain NaN: keep only items both candidates were judged on")
    d = b - a
    n = int(d.size)
    if n < 2:
        raise ValueError("a paired comparison needs at least two items")
    low, high = bootstrap_mean_ci(d, confidence=confidence, n_resamples=n_resamples, seed=seed)
    se = float(d.std(ddof=1) / np.sqrt(n))
    if se == 0:
        t, p = (0.0, 1.0) if d.mean() == 0 else (float(np.sign(d.mean()) * np.inf), 0.0)
    else:
        test = stats.ttest_rel(b, a)
        t, p = float(test.statistic), float(test.pvalue)
    return PairedComparison(
        mean_difference=float(d.mean()),
        standard_error=se,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        t_statistic=t,
        p_value=p,
        n=n,
        b_better=int((d > 0).sum()),
        a_better=int((d < 0).sum()),
    )
