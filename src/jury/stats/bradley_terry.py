"""Bradley-Terry ratings from pairwise battles, with ties and weights, on an Elo scale, with bootstrap CIs.

P(i beats j) = sigmoid(theta_i - theta_j). A tie counts as half a win for each side (as Chatbot Arena
and Arena-Hard do). The likelihood only depends on how much weight each ordered pair of models won,
so battles are aggregated into an m x m matrix of wins first: a fit then costs O(m^2) per Newton step
whatever the number of battles, and a bootstrap round is one weighted bincount plus a warm-started fit.
That is what makes 1,000 rounds cheap where refitting a logistic regression on every battle is not.

The scale is fixed by an anchor model (rating `base`, win rate ½ against itself) or, without one,
by the mean rating. A maximum-likelihood fit only exists when every model both wins and loses
against the rest (the win graph is strongly connected); otherwise, or if the optimiser fails, we raise.

A bootstrap resample can lack that fit although the data have it: a model with 22 wins, 2 ties and
2 losses draws neither a tie nor a loss in about one resample of 80, and its rating there is
unbounded. Such a resample is fitted with a pseudo-tie (a weak prior, as choix's `alpha` is) on each
pair of models whose drawn battles all went one way, worth PSEUDO_TIE of the lightest battle; every
other resample, and the point estimate, is the plain maximum-likelihood fit. As the pseudo-tie
shrinks these fits tend to the unbounded one, and they land far beyond every ordinary resample, so a
percentile bound is that of the unbounded fits whenever fewer than the tail's share of resamples are
degenerate; a bound they do decide says the data cannot bound the rating on that side.
`Ratings.degenerate_rounds` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, sparse
from scipy.sparse.csgraph import connected_components
from scipy.special import expit, log_expit

ELO_SCALE = 400 / math.log(10)  # one Elo point: a 400-point gap is 10:1 odds
WINNERS = ("model_a", "model_b", "tie")
GRADIENT_TOLERANCE = 1e-7  # on the mean log-likelihood per unit of battle weight: ~1e-3 Elo
PSEUDO_TIE = 0.01  # a degenerate resample's pseudo-tie, in units of the lightest battle's weight


def win_matrix_battles(
    model_a: Sequence[str],
    model_b: Sequence[str],
    winner: Sequence[str],
    weight: ArrayLike | None = None,
    models: Sequence[str] | None = None,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(models, cell, cell_weight): each battle as a flat index into the m x m wins matrix and its weight.
    A tie is split into two half-weight cells, so a tie battle occupies two consecutive entries."""
    names = tuple(models) if models is not None else tuple(sorted(set(model_a) | set(model_b)))
    code = {m: i for i, m in enumerate(names)}
    missing = (set(model_a) | set(model_b)) - set(code)
    if missing:
        raise ValueError(f"battles name models {sorted(missing)} that are not in the given model list")
    a = np.fromiter((code[m] for m in model_a), dtype=np.int64, count=len(model_a))
    b = np.fromiter((code[m] for m in model_b), dtype=np.int64, count=len(model_b))
    unknown = set(pd.unique(np.asarray(winner, dtype=object))) - set(WINNERS)
    if unknown:
        raise ValueError(f"unknown battle winner {sorted(map(str, unknown))}: use one of {list(WINNERS)}")
    outcome = pd.Categorical(winner, categories=WINNERS)
    w = np.ones(len(a)) if weight is None else np.asarray(weight, dtype=float)
    if w.shape != a.shape or not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("battle weights must be one finite, non-negative number per battle")
    if (a == b).any():
        raise ValueError("a battle pits a model against itself: drop those rows")
    m = len(names)
    won_by_a = a * m + b  # cell (winner, loser)
    won_by_b = b * m + a
    tie = outcome.codes == 2
    first = np.where(outcome.codes == 1, won_by_b, won_by_a)
    first_w = np.where(tie, 0.5 * w, w)
    # the second cell only carries weight for ties (the other half), zero otherwise
    cell = np.stack([first, won_by_b], axis=1).ravel()
    cell_w = np.stack([first_w, np.where(tie, 0.5 * w, 0.0)], axis=1).ravel()
    return names, cell, cell_w


def _negative_log_likelihood(free: np.ndarray, wins: np.ndarray, ref: int) -> tuple[float, np.ndarray, np.ndarray]:
    theta = np.insert(free, ref, 0.0)
    diff = theta[:, None] - theta[None, :]
    total = wins.sum()
    value = -(wins * log_expit(diff)).sum() / total
    p = expit(diff)
    grad = -((wins * (1 - p)).sum(axis=1) - (wins.T * p).sum(axis=1)) / total
    games = wins + wins.T
    curvature = games * p * (1 - p) / total
    hess = np.diag(curvature.sum(axis=1)) - curvature
    keep = np.arange(len(theta)) != ref
    return value, grad[keep], hess[np.ix_(keep, keep)]


def bradley_terry_wins(
    wins: np.ndarray, *, start: np.ndarray | None = None, ref: int = 0, models: Sequence[str] | None = None
) -> np.ndarray:
    """Maximum-likelihood strengths (natural-log odds scale, theta[ref] = 0) from wins[i, j] = weight of
    i's wins over j. Raises ValueError when the MLE does not exist or the optimiser does not converge."""
    wins = np.asarray(wins, dtype=float)
    m = wins.shape[0]
    if m < 2:
        raise ValueError("Bradley-Terry needs at least two models")
    n_parts, labels = connected_components(wins > 0, directed=True, connection="strong")
    if n_parts > 1:
        sizes = np.bincount(labels)
        small = np.flatnonzero(labels == np.argmin(sizes))
        names = [models[i] for i in small] if models is not None else small.tolist()
        raise ValueError(
            f"Bradley-Terry ratings are unbounded: models {names} never lose (or never win) "
            "against the others. Add battles (or ties) linking them, or drop them."
        )
    return _fit(wins, start, ref)


def _fit(wins: np.ndarray, start: np.ndarray | None, ref: int) -> np.ndarray:
    """The maximum-likelihood fit of a wins matrix already known to be strongly connected."""
    m = wins.shape[0]
    x0 = np.zeros(m - 1) if start is None else np.delete(start - start[ref], ref)
    cache: dict[bytes, tuple[float, np.ndarray, np.ndarray]] = {}

    def evaluate(free: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        key = free.tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = _negative_log_likelihood(free, wins, ref)
        return cache[key]

    result = optimize.minimize(
        lambda f: evaluate(f)[0],
        x0,
        jac=lambda f: evaluate(f)[1],
        hess=lambda f: evaluate(f)[2],
        method="trust-exact",
        options={"gtol": GRADIENT_TOLERANCE / 100, "maxiter": 200},
    )
    # trust-exact may stop with "bad approximation" once rounding noise dominates: the gradient decides
    stationary = np.all(np.isfinite(result.x)) and np.abs(result.jac).max() < GRADIENT_TOLERANCE
    if not (result.success or stationary):
        raise ValueError(
            f"Bradley-Terry fit did not converge: {result.message} (largest gradient {np.abs(result.jac).max():.2g})"
        )
    return np.insert(result.x, ref, 0.0)


@dataclass(frozen=True)
class Ratings:
    """Per model (table index): elo, its CI, win rate against the anchor and its CI, battles played."""

    table: pd.DataFrame
    anchor: str | None
    confidence: float
    n_rounds: int
    degenerate_rounds: int = 0  # resamples without a finite fit, fitted with pseudo-ties (module docstring)


def _fittable_resample(wins: np.ndarray, met: np.ndarray, pseudo: float) -> tuple[np.ndarray, bool]:
    """(wins, False) when the resample has a finite fit, else (wins with pseudo-ties, True).

    A finite fit exists iff the graph of "i won weight over j" is strongly connected. The models that
    met in the data form a connected graph, so a resample where every such pair won both ways is
    fittable; only otherwise is the (slower) graph search needed. A pseudo-tie, half of `pseudo` each
    way, goes on every pair that met but whose drawn battles (if any) all went one way: the weakest
    prior that makes the resample fittable."""
    one_sided = met & ((wins == 0) | (wins.T == 0))
    if not one_sided.any() or connected_components(wins > 0, directed=True, connection="strong")[0] == 1:
        return wins, False
    return wins + np.where(one_sided, pseudo / 2, 0.0), True


def bradley_terry_battles(
    battles: pd.DataFrame,
    *,
    anchor: str | None = None,
    base: float = 1000.0,
    n_rounds: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Ratings:
    """Ratings from a battles table (columns model_a, model_b, winner in model_a/model_b/tie, optional
    weight, optional cluster).

    Each bootstrap round resamples battles with replacement (`rng.integers(0, n, n)` from
    `np.random.default_rng(seed)`, one draw per round, so a reference implementation can replay them).
    With a `cluster` column (battles that are not independent, such as the turns of one conversation)
    a round draws whole clusters instead, `rng.integers(0, k, k)` over the k clusters in order of first
    appearance; clusters of one battle each draw exactly as plain battles do."""
    weight = battles["weight"].to_numpy(dtype=float) if "weight" in battles else None
    models, cell, cell_w = win_matrix_battles(battles["model_a"], battles["model_b"], battles["winner"], weight)
    if anchor is not None and anchor not in models:
        raise ValueError(f"anchor model {anchor!r} is not in the battles; choose one of {list(models)}")
    m, n = len(models), len(battles)
    ref = models.index(anchor) if anchor is not None else 0
    full = np.bincount(cell, cell_w, m * m).reshape(m, m)
    theta = bradley_terry_wins(full, ref=ref, models=models)
    cells, cell_ws = cell.reshape(n, 2), cell_w.reshape(n, 2)
    per_cluster = _cluster_wins(battles["cluster"], cells, cell_ws, m * m) if "cluster" in battles else None
    rounds, degenerate = _bootstrap(full, cells, cell_ws, per_cluster, theta, ref, n_rounds, seed)
    tail = (1 - confidence) / 2 * 100
    table = pd.DataFrame(index=pd.Index(models, name="model"))
    for name, values, boot in [
        ("elo", _elo(theta, anchor, ref, base), _elo(rounds, anchor, ref, base)),
        ("win_rate_vs_anchor", expit(theta - theta[ref]), expit(rounds - rounds[:, [ref]])),
    ]:
        table[name] = values
        table[f"{name}_low"] = np.percentile(boot, tail, axis=0) if n_rounds else np.nan
        table[f"{name}_high"] = np.percentile(boot, 100 - tail, axis=0) if n_rounds else np.nan
    played = pd.concat([battles["model_a"], battles["model_b"]]).value_counts()
    table["battles"] = played.reindex(table.index, fill_value=0).astype(int)
    if anchor is None:
        table = table.drop(columns=["win_rate_vs_anchor", "win_rate_vs_anchor_low", "win_rate_vs_anchor_high"])
    return Ratings(table.sort_values("elo", ascending=False), anchor, confidence, n_rounds, degenerate)


def _bootstrap(
    full: np.ndarray,
    cells: np.ndarray,
    cell_ws: np.ndarray,
    per_cluster: sparse.csr_matrix | None,
    theta: np.ndarray,
    ref: int,
    n_rounds: int,
    seed: int,
) -> tuple[np.ndarray, int]:
    """Strengths of each resample (rounds x models) and how many resamples needed pseudo-ties."""
    m, n = full.shape[0], cells.shape[0]
    met = (full + full.T) > 0
    battle_w = cell_ws.sum(axis=1)
    pseudo = PSEUDO_TIE * float(battle_w[battle_w > 0].min())
    rng = np.random.default_rng(seed)
    rounds = np.empty((n_rounds, m))
    degenerate = 0
    for r in range(n_rounds):
        if per_cluster is None:
            idx = rng.integers(0, n, n)
            wins = np.bincount(cells[idx].ravel(), cell_ws[idx].ravel(), m * m).reshape(m, m)
        else:  # the wins of the drawn clusters: how often each was drawn times what it holds
            k = per_cluster.shape[0]
            wins = (per_cluster.T @ np.bincount(rng.integers(0, k, k), minlength=k)).reshape(m, m)
        wins, padded = _fittable_resample(wins, met, pseudo)
        degenerate += padded
        rounds[r] = _fit(wins, theta, ref)
    return rounds, degenerate


def _cluster_wins(clusters: pd.Series, cells: np.ndarray, cell_ws: np.ndarray, size: int) -> sparse.csr_matrix:
    """Clusters x win-matrix cells, the wins each cluster holds; clusters in order of first appearance."""
    codes, uniques = pd.factorize(clusters)
    rows = np.repeat(codes, cells.shape[1])
    return sparse.csr_matrix((cell_ws.ravel(), (rows, cells.ravel())), shape=(len(uniques), size))


def _elo(theta: np.ndarray, anchor: str | None, ref: int, base: float) -> np.ndarray:
    """Elo = base + 400/ln10 * theta, with the anchor at `base` (or the mean at `base` without one)."""
    centre = theta[..., [ref]] if anchor is not None else theta.mean(axis=-1, keepdims=True)
    return base + ELO_SCALE * (theta - centre)
