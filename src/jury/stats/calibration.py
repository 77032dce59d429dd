"""Fitting per-judge weights to human labels, and measuring the fit on items it did not see.

The calibrated panel is a weighted average of the judges' scores (each judge's strength of
preference for answer A, ½ = even): exactly what a panel with `rule: average` and these weights
computes, so the held-out figures describe the panel file that `--write-weights` produces.

The weights are a logistic regression of the human winner on (score - ½) per judge, without an
intercept: the two answers' labels are arbitrary, so every item also enters mirrored (A and B
swapped), and a panel must not prefer A or B before reading any judge. Negative coefficients (a
judge that is worse than a coin) are clipped to 0: the panel then ignores that judge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

HALF = 0.5


@dataclass(frozen=True)
class Weights:
    judges: tuple[str, ...]
    coefficients: tuple[float, ...]  # as fitted, may be negative
    weights: tuple[float, ...]  # clipped at 0 and scaled to mean 1 (all 0 -> all 1: no information)


def _design(scores: np.ndarray, a_wins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre the scores (a missing score is ½: no evidence) and add every item mirrored."""
    x = np.nan_to_num(scores - HALF, nan=0.0)
    return np.vstack([x, -x]), np.concatenate([a_wins, 1 - a_wins])


def fit_weights(scores: ArrayLike, a_wins: ArrayLike, judges: tuple[str, ...], *, c: float = 1.0) -> Weights:
    """`scores`: items x judges in [0, 1] (NaN = abstained); `a_wins`: 1 when humans chose A, 0 for B."""
    from sklearn.linear_model import LogisticRegression

    s = np.asarray(scores, dtype=float)
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


def weighted_preference(scores: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Per item: +1 the panel prefers A, -1 B, 0 even (or nothing to go on). NaN scores count as ½."""
    s = np.nan_to_num(np.asarray(scores, dtype=float) - HALF, nan=0.0)
    return np.sign(s @ np.asarray(weights, dtype=float))


def cross_validated_preference(
    scores: ArrayLike, a_wins: ArrayLike, judges: tuple[str, ...], *, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each item's calibrated verdict (+1 / 0 / -1) from weights fitted on the other folds only."""
    from sklearn.model_selection import StratifiedKFold

    s = np.asarray(scores, dtype=float)
    y = np.asarray(a_wins, dtype=int)
    out = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(s, y):
        fitted = fit_weights(s[train], y[train], judges)
        out[test] = weighted_preference(s[test], fitted.weights)
    return out
