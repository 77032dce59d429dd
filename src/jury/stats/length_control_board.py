"""Length-controlled win rates of every model on a board at once, as AlpacaEval 2 computes its column.

A board has many models judged against one baseline on the same items, which is what AlpacaEval's
GLM needs and a single run lacks (Dubois et al. 2024, and the weights and notebooks AlpacaEval ships):

1. Instruction difficulty, jointly across models: a logistic fit of every verdict on a per-model
   quality, a per-model length weight and a per-item effect; the item effects are the difficulties
   (AlpacaEval fits the same formula with a cross-validated L1 penalty; here a Gaussian prior of SD 1
   keeps an item every model wins finite). Needs MIN_MODELS_FOR_DIFFICULTY models, else it is 0.
2. Regularised length and difficulty weights. AlpacaEval pulls each model's two weights towards rows
   of its baseline made verbose and concise. A board pulls them towards its pooled weights instead:
   each model's unregularised weights are combined by a DerSimonian-Laird random-effects
   meta-analysis (statsmodels), and the pooled mean and between-model SD become a Gaussian prior
   on that model's weights. A model whose answers are all shorter, whose own data hardly tell
   length from quality, then borrows the weight the rest of the board shows.
3. The cap: a model's LC rate is never further from its raw rate than the board's pooled length
   weight would move it (the same fit with the length weight pinned at the pooled mean). Its own
   weight can shrink the correction, not enlarge it: a steeper weight comes from the model's own
   items only, which for one-sided lengths is extrapolation. AlpacaEval's extreme-change limits
   then apply, as for a single model (length_control.bounded).

Each model's standard error takes the difficulties and the prior as known, as AlpacaEval does; on
AlpacaEval 2.0 an instruction bootstrap of the whole board fit measures how far that is from honest
(benchmarks/alpaca_eval_lc_board.py --bootstrap).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from jury.stats.length_control import (
    LengthControlled,
    LengthFit,
    LengthPrior,
    bounded,
    fit_length_glm,
    length_term,
)
from jury.stats.penalised_logit import fit_logit

COLUMNS = ("model", "item", "score", "candidate_length", "baseline_length", "cluster")
MIN_MODELS_FOR_DIFFICULTY = 2  # one model: its item effects would only echo its own verdicts
DIFFICULTY_SD = 1.0  # prior SD of an item's effect (log-odds) in the joint fit
WEAK_SD = 10.0  # prior SD of a model's quality and length weight there: finite even if it wins everything
MIN_PRIOR_SD = 1e-3  # a between-model SD of 0 (all weights alike) pins the weight, within this


@dataclass(frozen=True)
class BoardLengthControl:
    rates: dict[str, LengthControlled]
    failures: dict[str, str]  # model -> why its rate could not be fitted
    difficulty: pd.Series  # one per item (0 when the board is too small to estimate it)
    prior: LengthPrior | None  # None with fewer than two fitted models: nothing to pool
    note: str


def _validated(battles: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in battles.columns]
    if missing:
        raise ValueError(f"battles need the columns {list(COLUMNS)}; missing {missing}")
    frame = battles.loc[:, list(COLUMNS)].reset_index(drop=True)
    score = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(score).any() or (score < 0).any() or (score > 1).any():
        raise ValueError("scores must lie in [0, 1] (1 = candidate preferred, 0.5 = tie); drop abstentions first")
    for column in ("candidate_length", "baseline_length"):
        if not np.isfinite(pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)).all():
            raise ValueError(f"{column} must be a finite number on every row")
    if frame.duplicated(["model", "item"]).any():
        row = frame[frame.duplicated(["model", "item"])].iloc[0]
        raise ValueError(f"model {row['model']!r} has two verdicts on item {row['item']!r}: keep one per item")
    frame["score"] = score
    return frame


def _length_features(frame: pd.DataFrame) -> pd.Series:
    """AlpacaEval standardises each model's length differences by that model's own SD."""
    out = pd.Series(0.0, index=frame.index)
    for _, rows in frame.groupby("model", sort=False):
        out.loc[rows.index] = length_term(rows["candidate_length"], rows["baseline_length"])
    return out


def instruction_difficulty(battles: pd.DataFrame) -> pd.Series:
    """Step 1: the per-item effects of a joint fit over all models (higher = the candidate wins more
    often there than its overall quality predicts; AlpacaEval's 'instruction difficulty')."""
    frame = _validated(battles)
    t = _length_features(frame).to_numpy()
    model, n_models = pd.factorize(frame["model"])[0], frame["model"].nunique()
    item, items = pd.factorize(frame["item"])
    n, rows = len(frame), np.arange(len(frame))

    def block(values: np.ndarray, cols: np.ndarray, width: int) -> sp.csr_matrix:
        return sp.csr_matrix((values, (rows, cols)), shape=(n, width))

    x = sp.hstack([block(np.ones(n), model, n_models), block(t, model, n_models), block(np.ones(n), item, len(items))])
    precision = np.r_[np.full(2 * n_models, WEAK_SD**-2), np.full(len(items), DIFFICULTY_SD**-2)]
    fit = fit_logit(x.tocsr(), frame["score"].to_numpy(), precision)
    return pd.Series(fit.params[2 * n_models :], index=items, name="difficulty")


def pooled_prior(fits: dict[str, LengthFit]) -> LengthPrior | None:
    """Step 2: random-effects pooling (DerSimonian-Laird) of the models' unregularised weights."""
    from statsmodels.stats.meta_analysis import combine_effects

    pooled = []
    for k in (1, 2):  # length, difficulty
        estimate = np.array([f.params[k] for f in fits.values()])
        variance = np.array([f.covariance[k, k] for f in fits.values()])
        keep = np.isfinite(variance) & (variance > 0)  # 0: the feature does not vary for that model
        if keep.sum() < 2:
            pooled.append((0.0, np.inf))
            continue
        with warnings.catch_warnings():  # statsmodels also derives an HKSJ error we do not use; it may be NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            result = combine_effects(estimate[keep], variance[keep], method_re="dl")
        # statsmodels leaves a negative between-model variance as it is; DerSimonian-Laird truncates it at
        # 0, where the random-effects mean is the fixed-effect one
        tau2 = float(result.tau2)
        mean = float(result.mean_effect_re if tau2 > 0 else result.mean_effect_fe)
        pooled.append((mean, max(np.sqrt(max(tau2, 0.0)), MIN_PRIOR_SD)))
    if all(np.isinf(sd) for _, sd in pooled):
        return None
    (length_mean, length_sd), (difficulty_mean, difficulty_sd) = pooled
    return LengthPrior(length_mean, length_sd, difficulty_mean, difficulty_sd)


def _capped(rows: pd.DataFrame, t: np.ndarray, difficulty: np.ndarray, prior: LengthPrior) -> LengthControlled:
    """Step 3: the model's own (regularised) fit, unless it moves the rate further than the pooled weight."""
    clusters = list(rows["cluster"])
    own = fit_length_glm(rows["score"], t, difficulty, clusters, prior)
    pinned = fit_length_glm(rows["score"], t, difficulty, clusters, prior, fixed_length_weight=prior.length_mean)
    if abs(own.value - own.raw_value) <= abs(pinned.value - pinned.raw_value):
        return bounded(own)
    note = (
        f"length adjustment capped at the board's pooled length weight {prior.length_mean:.2f} "
        f"(the model's own weight {own.params[1]:.2f} gave {100 * own.value:.1f}%)"
    )
    return bounded(pinned, note)


def board_length_controlled(battles: pd.DataFrame) -> BoardLengthControl:
    """Every model's LC rate from one frame of verdicts: one row per model and judged item with
    COLUMNS (score in [0, 1] for the candidate; `cluster` groups rows that are not independent,
    e.g. one conversation's turns, for a cluster-robust standard error)."""
    frame = _validated(battles)
    frame["t"] = _length_features(frame)
    n_models = frame["model"].nunique()
    note = ""
    if n_models >= MIN_MODELS_FOR_DIFFICULTY:
        difficulty = instruction_difficulty(frame)
    else:
        difficulty = pd.Series(0.0, index=pd.unique(frame["item"]), name="difficulty")
        note = f"instruction difficulty needs {MIN_MODELS_FOR_DIFFICULTY}+ models on the board; it is left out"
    frame["difficulty"] = difficulty.loc[frame["item"]].to_numpy()
    groups = dict(tuple(frame.groupby("model", sort=False)))
    free: dict[str, LengthFit] = {}
    for model, rows in groups.items():
        # a model whose unregularised fit fails (separation) adds nothing to the pool, but is still rated
        with contextlib.suppress(ValueError, RuntimeError):
            free[model] = fit_length_glm(rows["score"], rows["t"], rows["difficulty"], list(rows["cluster"]))
    prior = pooled_prior(free)
    rates, failures = {}, {}
    for model, rows in groups.items():
        t, diff = rows["t"].to_numpy(), rows["difficulty"].to_numpy()
        try:
            if prior is None:
                rates[model] = bounded(fit_length_glm(rows["score"], t, diff, list(rows["cluster"])))
            else:
                rates[model] = _capped(rows, t, diff, prior)
        except (ValueError, RuntimeError) as exc:
            failures[model] = str(exc)
    return BoardLengthControl(rates, failures, difficulty, prior, note)
