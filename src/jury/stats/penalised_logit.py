"""Logistic regression with a fractional outcome and independent Gaussian priors on chosen
coefficients, fitted by Newton's method, with a (cluster-)robust sandwich covariance.

Why not a library: the length-controlled win rate needs a prior with a non-zero mean on one
coefficient, no prior on the others, and a sparse design with hundreds of per-instruction columns;
statsmodels' regularised GLM has neither a prior mean nor a covariance, and scikit-learn penalises
every coefficient alike. The tests check this fit against both where they apply.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

Design = NDArray[np.float64] | sp.csr_matrix
Hessian = NDArray[np.float64] | sp.csc_matrix
MAX_ITER = 100
NOT_CONVERGED = (
    "the logistic fit did not converge (a candidate that always wins or always loses, a length difference "
    "that separates wins from losses, or a constant column)"
)


@dataclass(frozen=True)
class LogitFit:
    params: NDArray[np.float64]
    hessian: Hessian  # of the penalised negative log-likelihood, at params (sparse for a sparse design)
    fitted: NDArray[np.float64]  # p for every row
    iterations: int


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(-np.logaddexp(0.0, -z))


def _loss(x: Design, y: NDArray[np.float64], offset, beta: NDArray[np.float64], precision, mean) -> float:
    z = x @ beta + offset
    # -[y log p + (1 - y) log(1 - p)] = log(1 + e^z) - y z
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(precision * (beta - mean) ** 2))


def fit_logit(
    x: Design,
    y: NDArray[np.float64],
    precision: NDArray[np.float64] | None = None,
    prior_mean: NDArray[np.float64] | None = None,
    offset: NDArray[np.float64] | None = None,
    tol: float = 1e-10,
) -> LogitFit:
    """Maximise sum(y log p + (1 - y) log(1 - p)) - sum(precision (beta - prior_mean)^2) / 2, with
    p = logistic(offset + x @ beta) and y in [0, 1]. Raises ValueError on bad input and RuntimeError
    when Newton's method does not converge (e.g. a separated design without a prior)."""
    n, k = x.shape
    y = np.asarray(y, dtype=float)
    precision = np.zeros(k) if precision is None else np.asarray(precision, dtype=float)
    mean = np.zeros(k) if prior_mean is None else np.asarray(prior_mean, dtype=float)
    offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    if y.shape != (n,) or offset.shape != (n,) or precision.shape != (k,) or mean.shape != (k,):
        raise ValueError(f"design is {n} x {k}: need {n} outcomes and offsets, {k} prior precisions and means")
    if not np.isfinite(offset).all():
        raise ValueError("offsets must be finite")
    if not (np.isfinite(y).all() and ((y >= 0) & (y <= 1)).all()):
        raise ValueError("outcomes must lie in [0, 1] (1 = candidate preferred, 0.5 = tie)")
    if (precision < 0).any() or not np.isfinite(precision).all() or not np.isfinite(mean).all():
        raise ValueError("prior precisions must be finite and non-negative, prior means finite")
    beta = np.where(precision > 0, mean, 0.0)
    loss = _loss(x, y, offset, beta, precision, mean)
    for iteration in range(1, MAX_ITER + 1):
        p = _sigmoid(x @ beta + offset)
        gradient = x.T @ (p - y) + precision * (beta - mean)
        step = _solve(_hessian(x, p * (1 - p), precision), gradient)
        shrink = 1.0
        while True:  # step halving keeps every iteration a descent step
            candidate = beta - shrink * step
            new_loss = _loss(x, y, offset, candidate, precision, mean)
            if new_loss <= loss + 1e-12 * abs(loss) or shrink < 1e-8:
                break
            shrink /= 2
        beta, loss = candidate, new_loss
        if np.max(np.abs(shrink * step)) < tol * (1 + np.max(np.abs(beta))):
            p = _sigmoid(x @ beta + offset)
            return LogitFit(beta, _hessian(x, p * (1 - p), precision), p, iteration)
    raise RuntimeError(NOT_CONVERGED)


def _hessian(x: Design, w: NDArray[np.float64], precision: NDArray[np.float64]) -> Hessian:
    """Sparse for a sparse design: a board's per-item columns make it mostly empty."""
    if sp.issparse(x):
        return (x.T @ sp.diags(w) @ x + sp.diags(precision)).tocsc()
    return (x * w[:, None]).T @ x + np.diag(precision)


def _solve(hessian: Hessian, gradient: NDArray[np.float64]) -> NDArray[np.float64]:
    singular = RuntimeError(NOT_CONVERGED)
    if sp.issparse(hessian):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", spla.MatrixRankWarning)
            step = spla.spsolve(hessian, gradient)
        if not np.isfinite(step).all():
            raise singular
        return step
    try:
        return np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        raise singular from None


def sandwich_covariance(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    fit: LogitFit,
    clusters: Sequence[Hashable] | None,
) -> NDArray[np.float64]:
    """H^-1 when every row is its own cluster (the model-based covariance, as a GLM reports it), else
    the cluster-robust H^-1 B H^-1 with statsmodels' small-sample factor G/(G-1) (N-1)/(N-K): rows of
    one cluster (the turns of a conversation) are not independent, so they share one score."""
    inverse = np.linalg.inv(fit.hessian)
    if clusters is None:
        return inverse
    if len(clusters) != len(y):
        raise ValueError(f"{len(y)} outcomes but {len(clusters)} cluster labels")
    groups = pd.factorize(pd.Series(list(clusters), dtype=object))[0]
    n_groups = int(groups.max()) + 1
    if n_groups == len(y):
        return inverse
    residual = (y - fit.fitted)[:, None] * x
    scores = np.zeros((n_groups, x.shape[1]))
    np.add.at(scores, groups, residual)
    n, k = x.shape
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return factor * inverse @ (scores.T @ scores) @ inverse
