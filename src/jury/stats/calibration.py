"""Fitting per-judge weights to human labels, and measuring the fit on items it did not see.

The calibrated panel pools the judges' evidence on the log-odds scale (each judge's log-odds that
answer A is better, 0 = even; see `JudgeVote.log_odds`): exactly what a panel with `rule: log_odds`
and these weights computes, so the held-out figures describe the panel file that `--write-weights`
produces. Log-odds, not probabilities, because that is the scale on which a logistic model adds
evidence: averaging probabilities squeezes a judge's strong evidence towards ½ (on LLMBar the
probability-averaging fit lost 3 points to its best member; log-odds pooling matched it).

The weights are a logistic regression of the human winner on the judges' log-odds, without an
intercept: the two answers' labels are arbitrary, so every item also enters mirrored (A and B
swapped), and a panel must not prefer A or B before reading any judge. Negative coefficients (a
judge that is worse than a coin) are clipped to 0: the panel then ignores that judge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Weights:
    judges: tuple[str, ...]
    coefficients: tuple[float, ...]  # as fitted, may be negative
    weights: tuple[float, ...]  # clipped at 0 and scaled to mean 1 (all 0 -> all 1: no information)


def _design(evidence: np.ndarray, a_wins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A missing judge is no evidence (0); every item is added mirrored."""
    x = np.nan_to_num(evidence, nan=0.0)
    return np.vstack([x, -x]), np.concatenate([a_wins, 1 - a_wins])


def fit_weights(evidence: ArrayLike, a_wins: ArrayLike, judges: tuple[str, ...], *, c: float = 1.0) -> Weights:
    """`evidence`: items x judges, each judge's log-odds for A (NaN = abstained); `a_wins`: 1 when
    humans chose A, 0 for B."""
    from sklearn.linear_model import LogisticRegression

    s = np.asarray(evidence, dtype=float)
    y = np.asarray(a_wins, dtype=int)
    if s.shape != (len(y), len(judges)):
        raise ValueError(f"scores must be items x judges = {len(y)} x {len(judges)}, got {s.shape}")
    if len(set(y.tolist())) < 2:
        raise ValueError("fitting weights needs items won by A and items won by B")
    x, target = _design(s, y)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=1000, tol=1e-8)
    model.fit(x, target)
    if model.n_iter_[0] >= model.max_iter:
        raise RuntimeError("the logistic regression of the weights did not converge")
    coef = model.coef_[0]
    clipped = np.clip(coef, 0.0, None)
    weights = clipped / clipped.mean() if clipped.sum() > 0 else np.ones_like(clipped)
    return Weights(judges, tuple(float(v) for v in coef), tuple(float(v) for v in weights))


# A weighted sum of log-odds this small against the size of its terms is 0 up to rounding (about 1e-16
# relative per term): log-odds +0.3 against 0.1 + 0.2 is an even split, as on paper.
SUM_TOLERANCE = 1e-9


def weighted_preference(evidence: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Per item: +1 the panel prefers A, -1 B, 0 even (up to rounding) or nothing to go on. NaN counts as 0."""
    s = np.nan_to_num(np.asarray(evidence, dtype=float), nan=0.0)
    terms = s * np.asarray(weights, dtype=float)
    total = terms.sum(axis=1)
    return np.where(np.abs(total) <= SUM_TOLERANCE * np.abs(terms).sum(axis=1), 0.0, np.sign(total))


def cross_validated_preference(
    evidence: ArrayLike, a_wins: ArrayLike, judges: tuple[str, ...], *, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each item's calibrated verdict (+1 / 0 / -1) from weights fitted on the other folds only."""
    from sklearn.model_selection import StratifiedKFold

    s = np.asarray(evidence, dtype=float)
    y = np.asarray(a_wins, dtype=int)
    out = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(s, y):
        fitted = fit_weights(s[train], y[train], judges)
        out[test] = weighted_preference(s[test], fitted.weights)
    return out
