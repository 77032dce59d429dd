"""Length-controlled win rate in the manner of AlpacaEval 2 (Dubois et al. 2024).

Judges prefer longer answers, so a model can raise its win rate by padding. The correction fits,
per candidate, a logistic GLM of the judge's preference on a bounded length term, the instruction's
difficulty and a candidate-quality intercept, then reads the win rate off the fit at zero length
difference: "how often would it win if its answers were as long as the baseline's?".

Differences from AlpacaEval's own fit, on purpose or by necessity: the preference (a probability or
½ for a tie) is the response of a binomial GLM with a fractional outcome (statsmodels), with no
cross-validated L1 penalty, and without AlpacaEval's extra regularisation towards two "gamed"
baselines whose annotations are only on a model hub. The instruction difficulties are an input.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from jury.errors import JuryError


@dataclass(frozen=True)
class LengthControlled:
    value: float  # in [0, 1]: mean predicted preference at zero length difference
    standard_error: float  # delta method on the fitted coefficients
    raw_value: float  # the uncorrected mean preference, for comparison
    length_weight: float  # coefficient of tanh(standardised length difference)
    difficulty_weight: float
    intercept: float  # candidate quality (log-odds) at equal length on an instruction of mean difficulty
    n: int


def length_controlled_win_rate(
    scores: ArrayLike,
    candidate_length: ArrayLike,
    baseline_length: ArrayLike,
    difficulty: ArrayLike,
    clusters: Sequence[Hashable] | None = None,
) -> LengthControlled:
    """scores in [0, 1] (1 = candidate preferred), lengths in characters, one instruction difficulty per
    item (AlpacaEval publishes one per instruction); items with a NaN score are refused, drop them first.
    `clusters` (one label per score, e.g. the conversation of each turn): the standard error is then
    cluster-robust, since scores of one cluster are not independent."""
    import statsmodels.api as sm

    y = np.asarray(scores, dtype=float)
    cand, base = np.asarray(candidate_length, dtype=float), np.asarray(baseline_length, dtype=float)
    diff = np.asarray(difficulty, dtype=float)
    if not (y.shape == cand.shape == base.shape == diff.shape):
        raise JuryError("scores, lengths and difficulties must have one value per item")
    delta = cand - base
    if np.isnan(y).any() or np.isnan(diff).any():
        raise JuryError("NaN score or difficulty: drop abstentions and unknown instructions first")
    spread = delta.std(ddof=1)
    length = np.tanh(delta / spread) if spread > 0 else np.zeros_like(delta)
    # a column without variation (equal lengths, one difficulty) carries no information: fix its weight at 0
    columns = [length, diff - diff.mean(), np.ones_like(y)]
    used = [k for k, c in enumerate(columns) if k == 2 or np.ptp(c) > 0]
    design = np.column_stack([columns[k] for k in used])
    model = sm.GLM(y, design, family=sm.families.Binomial())
    if clusters is not None and len(clusters) != y.size:
        raise JuryError("scores and clusters must have one value per item")
    groups = pd.factorize(pd.Series(list(clusters), dtype=object))[0] if clusters is not None else None
    if groups is not None and groups.max() + 1 < y.size:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = model.fit()
    if not fit.converged or not np.all(np.isfinite(fit.params)):
        raise JuryError("the length-control GLM did not converge (a candidate that always wins or always loses?)")
    params = np.zeros(3)
    params[used] = fit.params
    cov = np.zeros((3, 3))
    cov[np.ix_(used, used)] = fit.cov_params()
    at_equal_length = np.column_stack(columns)
    at_equal_length[:, 0] = 0.0
    p = 1 / (1 + np.exp(-(at_equal_length @ params)))
    # delta method: d mean(p) / d beta = mean(p (1 - p) x)
    gradient = (p * (1 - p))[:, None] * at_equal_length
    g = gradient.mean(axis=0)
    se = float(np.sqrt(g @ cov @ g))
    return LengthControlled(
        value=float(p.mean()),
        standard_error=se,
        raw_value=float(y.mean()),
        length_weight=float(params[0]),
        difficulty_weight=float(params[1]),
        intercept=float(params[2]),
        n=int(y.size),
    )
