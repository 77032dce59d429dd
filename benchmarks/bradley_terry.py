"""Bradley-Terry bootstrap: jury's aggregated-counts fit against Arena-Hard-Auto's per-round
scikit-learn logistic-regression refit, on synthetic battles with ties and weights.

Arena-Hard-Auto refits LogisticRegression on a dense (2 x battles) x models design matrix in every
bootstrap round; jury aggregates each resample into an m x m wins matrix and fits that. Both are the
same maximum-likelihood problem, so the ratings must agree; only the cost differs. sklearn is timed
on a few rounds (the same resamples jury draws first) and extrapolated to the full number of rounds.
The last line times the cluster bootstrap (battles paired into clusters, as multi-turn boards are).

    python benchmarks/bradley_terry.py [--models 100] [--battles 100000] [--rounds 1000] [--sklearn-rounds 3]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from jury.stats.bradley_terry import bradley_terry_battles


def synthetic_battles(models: int, battles: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 1, models)
    a = rng.integers(0, models, battles)
    b = (a + rng.integers(1, models, battles)) % models
    p_a = 1 / (1 + np.exp(-(strength[a] - strength[b])))
    tie = rng.random(battles) < 0.1
    winner = np.where(tie, "tie", np.where(rng.random(battles) < p_a, "model_a", "model_b"))
    names = np.array([f"model-{i:03d}" for i in range(models)])
    weight = rng.choice([1.0, 1.0, 1.0, 3.0], battles)  # Arena-Hard weighs decisive verdicts x3
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": winner, "weight": weight})


def sklearn_elo(battles: pd.DataFrame, models: list[str], anchor: str) -> pd.Series:
    """Arena-Hard-Auto's recipe: +/-ln10 features, ties entered once for each side, no intercept."""
    from sklearn.linear_model import LogisticRegression

    col = {m: i for i, m in enumerate(models)}
    n = len(battles)
    x = np.zeros((2 * n, len(models)))
    rows = np.arange(n)
    a, b = battles["model_a"].map(col).to_numpy(), battles["model_b"].map(col).to_numpy()
    for half in (0, 1):
        x[rows + half * n, a] = math.log(10)
        x[rows + half * n, b] = -math.log(10)
    won_a = (battles["winner"] == "model_a").to_numpy()
    tie = (battles["winner"] == "tie").to_numpy()
    y = np.concatenate([won_a | tie, won_a])
    w = np.concatenate([battles["weight"], battles["weight"]]) / 2
    lr = LogisticRegression(fit_intercept=False, C=1e10, tol=1e-10, max_iter=10_000)
    lr.fit(x, y, sample_weight=w)
    elo = 400 * lr.coef_[0]
    return pd.Series(elo - elo[col[anchor]] + 1000, index=models)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--battles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--sklearn-rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    battles = synthetic_battles(args.models, args.battles, args.seed)
    models = sorted(set(battles["model_a"]) | set(battles["model_b"]))
    anchor = models[0]
    print(f"{args.models} models, {args.battles:,} battles (10% ties, weights 1 or 3), {args.rounds} bootstrap rounds")

    start = time.perf_counter()
    ours = bradley_terry_battles(battles, anchor=anchor, n_rounds=args.rounds, seed=args.seed)
    ours_time = time.perf_counter() - start
    print(
        f"jury: point fit + {args.rounds} rounds in {ours_time:.2f} s ({1000 * ours_time / args.rounds:.2f} ms/round)"
    )

    # sklearn on the full data and on the same first resamples jury drew
    rng = np.random.default_rng(args.seed)
    diffs = []
    start = time.perf_counter()
    reference = sklearn_elo(battles, models, anchor)
    diffs.append((ours.table["elo"].reindex(models) - reference).abs().max())
    for _ in range(args.sklearn_rounds):
        sample = battles.iloc[rng.integers(0, len(battles), len(battles))].reset_index(drop=True)
        ref_round = sklearn_elo(sample, models, anchor)
        ours_round = bradley_terry_battles(sample, anchor=anchor, n_rounds=0).table["elo"].reindex(models)
        diffs.append((ours_round - ref_round).abs().max())
    sk_per_fit = (time.perf_counter() - start) / (args.sklearn_rounds + 1)  # includes jury's cheap point fits
    sk_total = sk_per_fit * (args.rounds + 1)
    print(
        f"sklearn (Arena-Hard-Auto refit): {sk_per_fit:.2f} s/round measured over {args.sklearn_rounds + 1} fits, "
        f"extrapolated to {args.rounds + 1} fits: {sk_total:.0f} s"
    )
    print(f"speed-up: {sk_total / ours_time:.0f}x")
    print(f"max |Elo difference| vs sklearn, full fit + {args.sklearn_rounds} shared resamples: {max(diffs):.4f}")
    t = ours.table
    print(f"95% CI width, median over models: {(t['elo_high'] - t['elo_low']).median():.1f} Elo")

    # turns of one conversation are one cluster: a round draws whole clusters (here pairs of battles)
    clustered = battles.assign(cluster=np.arange(len(battles)) // 2)
    start = time.perf_counter()
    by_cluster = bradley_terry_battles(clustered, anchor=anchor, n_rounds=args.rounds, seed=args.seed)
    cluster_time = time.perf_counter() - start
    c = by_cluster.table
    print(
        f"jury, battles in clusters of 2: {cluster_time:.2f} s ({cluster_time / ours_time:.2f}x the plain bootstrap); "
        f"95% CI width, median: {(c['elo_high'] - c['elo_low']).median():.1f} Elo"
    )


if __name__ == "__main__":
    main()
