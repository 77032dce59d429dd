"""Length-controlled win rate in the manner of AlpacaEval 2 (Dubois et al. 2024), for one model.

Judges prefer longer answers, so a model can raise its win rate by padding. The correction fits a
logistic GLM of the judge's preference (a probability, or 1/2 for a tie) on
    intercept + length weight * tanh(length difference / its SD) + difficulty weight * difficulty
and reads the win rate off the fit at zero length difference: "how often would it win if its
answers were as long as the baseline's?". On a board the instruction difficulties and the priors
on the two weights come from every model's verdicts (stats/length_control_board.py).

Two safeguards keep a length adjustment to what the data support:
- `prior`: Gaussian priors on the length and difficulty weights (AlpacaEval regularises the same
  two weights, towards its gamed baselines; a board uses its pooled weights). Without it a model
  whose answers are all shorter can fit a runaway length weight and an LC rate far above its wins.
- AlpacaEval's own "extreme change" limits, which it warns about as a likely GLM failure: the LC
  rate moves down by at most max(10 points, a quarter of the raw rate) and up by at most
  max(10 points, a quarter of the raw loss rate); a rate beyond them is set to the limit (`note`).

Differences from AlpacaEval's fit: a fractional-outcome GLM with Gaussian priors instead of a
cross-validated L1 penalty with rows of two gamed baselines (those annotations are only on a model hub).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from jury.stats.penalised_logit import fit_logit, sandwich_covariance

ABS_LIMIT, REL_LIMIT = 0.10, 4  # AlpacaEval's get_is_extreme_changes(abs_diff=10, rel_diff=4), as fractions


@dataclass(frozen=True)
class LengthPrior:
    """Independent Gaussian priors on a model's length and difficulty weights (log-odds per unit)."""

    length_mean: float
    length_sd: float
    difficulty_mean: float
    difficulty_sd: float


@dataclass(frozen=True)
class LengthControlled:
    value: float  # in [0, 1]: mean predicted preference at zero length difference
    standard_error: float  # delta method on the coefficients' sandwich covariance, plus the instruction sample
    raw_value: float  # the uncorrected mean preference, for comparison
    length_weight: float  # coefficient of tanh(standardised length difference)
    difficulty_weight: float
    intercept: float  # candidate quality (log-odds) at equal length on an instruction of mean difficulty
    n: int
    note: str = ""  # which safeguard, if any, set the value


@dataclass(frozen=True)
class LengthFit:
    """The GLM behind one model's LC rate: coefficients (intercept, length, difficulty) and covariance."""

    params: NDArray[np.float64]
    covariance: NDArray[np.float64]
    value: float
    standard_error: float
    raw_value: float
    n: int  # judged items


def length_term(candidate_length: ArrayLike, baseline_length: ArrayLike) -> NDArray[np.float64]:
    """tanh of the length difference over its SD across the model's items (AlpacaEval's feature)."""
    cand, base = np.asarray(candidate_length, dtype=float), np.asarray(baseline_length, dtype=float)
    if cand.shape != base.shape or cand.ndim != 1:
        raise ValueError("scores, lengths and difficulties must have one value per item")
    if not (np.isfinite(cand).all() and np.isfinite(base).all()):
        raise ValueError("lengths must be finite")
    delta = cand - base
    spread = delta.std(ddof=1) if delta.size > 1 else 0.0
    return np.tanh(delta / spread) if spread > 0 else np.zeros_like(delta)


def _checked(scores: ArrayLike, length: NDArray[np.float64], difficulty: ArrayLike) -> tuple[NDArray, NDArray]:
    y, diff = np.asarray(scores, dtype=float), np.asarray(difficulty, dtype=float)
    if not (y.shape == length.shape == diff.shape):
        raise ValueError("scores, lengths and difficulties must have one value per item")
    if np.isnan(y).any() or np.isnan(diff).any():
        raise ValueError("NaN score or difficulty: drop abstentions and unknown instructions first")
    if y.size < 3:
        raise ValueError(f"a length-controlled rate needs at least 3 judged items, got {y.size}")
    return y, diff


def fit_length_glm(
    scores: ArrayLike,
    length: ArrayLike,
    difficulty: ArrayLike,
    clusters: Sequence[Hashable] | None = None,
    prior: LengthPrior | None = None,
    fixed_length_weight: float | None = None,
) -> LengthFit:
    """The GLM on precomputed features (`length` = length_term(...)). `fixed_length_weight` pins the
    length weight (an offset) instead of fitting it. A feature without variation carries no
    information: its weight stays at 0 (or at the pinned value). Raises RuntimeError if the fit does
    not converge (a candidate that always wins or always loses)."""
    t = np.asarray(length, dtype=float)
    y, diff = _checked(scores, t, difficulty)
    if clusters is not None and len(clusters) != y.size:
        raise ValueError("scores and clusters must have one value per item")
    columns = [np.ones_like(y), t, diff - diff.mean()]
    mean, sd = [0.0, 0.0, 0.0], [np.inf, np.inf, np.inf]
    if prior is not None:
        mean[1:], sd[1:] = [prior.length_mean, prior.difficulty_mean], [prior.length_sd, prior.difficulty_sd]
    pinned = fixed_length_weight is not None
    used = [0] + [k for k in (1, 2) if np.ptp(columns[k]) > 0 and not (k == 1 and pinned)]
    offset = t * fixed_length_weight if pinned else None
    x = np.column_stack([columns[k] for k in used])
    precision = np.array([0.0 if not np.isfinite(sd[k]) else 1 / max(sd[k], 1e-6) ** 2 for k in used])
    fit = fit_logit(x, y, precision, np.array([mean[k] for k in used]), offset=offset)
    params, cov = np.zeros(3), np.zeros((3, 3))
    params[used] = fit.params
    if pinned:
        params[1] = fixed_length_weight
    cov[np.ix_(used, used)] = sandwich_covariance(x, y, fit, clusters)
    at_equal_length = np.column_stack(columns)
    at_equal_length[:, 1] = 0.0
    p = 1 / (1 + np.exp(-(at_equal_length @ params)))
    # delta method: d mean(p) / d beta = mean(p (1 - p) x); plus the spread of p over the items, since
    # the rate averages over this sample of instructions (0 without a difficulty term: p is constant)
    g = ((p * (1 - p))[:, None] * at_equal_length).mean(axis=0)
    variance = g @ cov @ g + _variance_of_mean(p, clusters)
    return LengthFit(params, cov, float(p.mean()), float(np.sqrt(variance)), float(y.mean()), int(y.size))


def _variance_of_mean(values: NDArray[np.float64], clusters: Sequence[Hashable] | None) -> float:
    """Squared standard error of a mean, over clusters of rows when they group rows (G/(G-1) correction)."""
    deviation = values - values.mean()
    if clusters is not None:
        groups = pd.factorize(pd.Series(list(clusters), dtype=object))[0]
        deviation = np.bincount(groups, weights=deviation)
    n_groups = deviation.size
    return float(n_groups / (n_groups - 1) * np.sum(deviation**2) / values.size**2) if n_groups > 1 else 0.0


def change_limits(raw: float) -> tuple[float, float]:
    """AlpacaEval's bounds on a plausible LC rate given the raw rate (both in [0, 1])."""
    return raw - max(raw / REL_LIMIT, ABS_LIMIT), raw + max((1 - raw) / REL_LIMIT, ABS_LIMIT)


def bounded(fit: LengthFit, note: str = "") -> LengthControlled:
    """The record of a fit, its value held within change_limits (saying so in `note`)."""
    low, high = change_limits(fit.raw_value)
    value = float(np.clip(fit.value, low, high))
    if value != fit.value:
        limit = "AlpacaEval's extreme-change limit"
        note = f"{note}; " if note else ""
        note += f"{limit}: the fit's {100 * fit.value:.1f}% held at {100 * value:.1f}%"
    return LengthControlled(
        value=value,
        standard_error=fit.standard_error,
        raw_value=fit.raw_value,
        length_weight=float(fit.params[1]),
        difficulty_weight=float(fit.params[2]),
        intercept=float(fit.params[0]),
        n=fit.n,
        note=note,
    )


def length_controlled_win_rate(
    scores: ArrayLike,
    candidate_length: ArrayLike,
    baseline_length: ArrayLike,
    difficulty: ArrayLike,
    clusters: Sequence[Hashable] | None = None,
    prior: LengthPrior | None = None,
) -> LengthControlled:
    """scores in [0, 1] (1 = candidate preferred), lengths in characters, one instruction difficulty per
    item (AlpacaEval publishes one per instruction); items with a NaN score are refused, drop them first.
    `clusters` (one label per score, e.g. the conversation of each turn): the standard error is then
    cluster-robust, since scores of one cluster are not independent."""
    t = length_term(candidate_length, baseline_length)
    return bounded(fit_length_glm(scores, t, difficulty, clusters, prior))
