"""Coverage of the human-anchored win rate's 95% interval, by simulation.

Every run is a fresh population of N = 800 units (500 single-turn items and 150 two-turn conversations, whose
second turn repeats the first's human verdict half the time), human scores in {0, 1/2, 1} with 15% ties and a
win share drawn per run in [0.3, 0.7]. The target is that run's mean human score over its 800 units (a finite
population), which is what the interval claims to cover. A panel of three judges votes on every unit; 30% of units
are hard. Panels: strong (each judge right 90% / 55% on easy / hard units, majority agrees with the humans ~85%),
weak (each judge right 38%, near chance for three verdicts), biased (right more often when the candidate really
won, and its mistakes go to the candidate 85% of the time: panel mean ~0.1 above the humans). The prediction is
the judges' mean vote (`pooled`) or the majority verdict (`verdict`, three values: the harder case, mostly-zero
rectifiers); the uncertainty for the disagreement plan is the judges' disagreement.

Each run builds one uniform plan and one disagreement plan and reads the estimate at 20, 50 and 200 labels (the
same plan stopped at three points). Printed per cell: coverage of the PPI++ interval and of the humans-only one,
mean widths, their ratios (of means), and the mean and median "labels worth". For comparison, two intervals
without the small-sample handling: the same estimate and jackknife standard error with a normal quantile (z_jk),
and, on uniform samples, ppi-python's own PPI++ interval (`ppi_mean`: clipped lam, z, the unlabelled units
treated as an independent sample; ppi_py).

    PYTHONPATH=src python benchmarks/ppi_coverage.py [--runs 2000] [--quick] [--seed 0] [--prediction both]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jury.stats.label_sampling import disagreement_plan, labelled_sample, uniform_plan
from jury.stats.ppi import human_anchored_win_rate, ppi_mean

Z = 1.959963984540054  # normal 97.5% quantile
N_SINGLE, N_PAIRS = 500, 150
N = N_SINGLE + 2 * N_PAIRS
CLUSTERS = np.concatenate([np.arange(N_SINGLE), np.repeat(np.arange(N_SINGLE, N_SINGLE + N_PAIRS), 2)])
SIZES = (20, 50, 200)
PANELS = ("strong", "weak", "biased")


def humans(rng: np.random.Generator) -> np.ndarray:
    win = rng.uniform(0.3, 0.7)
    y = rng.choice([0.0, 0.5, 1.0], p=[0.85 * (1 - win), 0.15, 0.85 * win], size=N)
    second = np.arange(N_SINGLE + 1, N, 2)
    repeat = rng.random(N_PAIRS) < 0.5
    y[second[repeat]] = y[second[repeat] - 1]
    return y


def votes(y: np.ndarray, panel: str, rng: np.random.Generator) -> np.ndarray:
    """Three judges' verdicts per unit, shape (3, N)."""
    hard = rng.random(N) < 0.3
    if panel == "strong":
        accuracy = np.where(hard, 0.55, 0.9)
    elif panel == "weak":
        accuracy = np.full(N, 0.38)
    else:
        accuracy = np.where(y == 1, np.where(hard, 0.7, 0.95), np.where(hard, 0.4, 0.75))
    up, down = np.where(y == 1, 0.5, 1.0), np.where(y == 0, 0.5, 0.0)  # each unit's two other verdicts
    result = []
    for _ in range(3):
        wrong = np.where(rng.random(N) < 0.5, up, down)
        if panel == "biased":  # up is the candidate unless the candidate really won
            wrong = np.where(y == 1, wrong, np.where(rng.random(N) < 0.85, up, down))
        result.append(np.where(rng.random(N) < accuracy, y, wrong))
    return np.array(result)


def panel_outputs(v: np.ndarray) -> dict[str, np.ndarray]:
    pooled = v.mean(axis=0)
    verdict = np.where(pooled > 0.5 + 1e-9, 1.0, np.where(pooled < 0.5 - 1e-9, 0.0, 0.5))
    most = np.max([(v == s).sum(axis=0) for s in (0.0, 0.5, 1.0)], axis=0)
    return {"pooled": pooled, "verdict": verdict, "uncertainty": (3 - most) / 2}


def evaluate(plan, stop: int, y: np.ndarray, f: np.ndarray, truth: float) -> tuple:
    """(PPI covers, humans cover, PPI width, humans width, worth, lam, z_jk covers, ppi-python covers)."""
    sample = labelled_sample(plan[:stop])
    units = np.array(sample.units)
    r = human_anchored_win_rate(f, CLUSTERS, units, y[units], sample.inclusion, strata=sample.strata)
    plain = np.nan
    if len(set(sample.strata)) == 1:
        rest = np.setdiff1d(np.arange(N), units)
        reference = ppi_mean(y[units], f[units], f[rest])
        plain = abs(reference.estimate - truth) <= Z * reference.standard_error
    return (
        r.ci_low <= truth <= r.ci_high,
        r.humans_ci_low <= truth <= r.humans_ci_high,
        r.ci_high - r.ci_low,
        r.humans_ci_high - r.humans_ci_low,
        r.labels_worth,
        r.lam,
        abs(r.estimate - truth) <= Z * r.standard_error,
        plain,
    )


def simulate(panel: str, prediction: str, runs: int, seed: int) -> dict:
    """Per (plan, n): one row per run of `evaluate`'s figures."""
    rng = np.random.default_rng([seed, PANELS.index(panel)])
    rows: dict = {}
    for run in range(runs):
        y = humans(rng)
        outputs = panel_outputs(votes(y, panel, rng))
        f, truth = outputs[prediction], y.mean()
        plans = {
            "uniform": uniform_plan(N, seed=run),
            "disagreement": disagreement_plan(outputs["uncertainty"], CLUSTERS, seed=run),
        }
        for design, plan in plans.items():
            for n in SIZES:
                rows.setdefault((design, n), []).append(evaluate(plan, n, y, f, truth))
    return {key: np.array(value, dtype=float) for key, value in rows.items()}


HEADER = (
    f"{'panel':7} {'plan':12} {'n':>4} {'cover':>6} {'cover_h':>7} {'width':>6} {'width_h':>7} "
    f"{'/h':>5} {'/unif_h':>7} {'worth':>6} {'med':>6} {'lam':>5} {'z_jk':>6} {'ppi_py':>6}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 runs per cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prediction", choices=("pooled", "verdict", "both"), default="both")
    args = parser.parse_args()
    runs = 200 if args.quick else args.runs
    kinds = ("pooled", "verdict") if args.prediction == "both" else (args.prediction,)
    started = time.perf_counter()
    worst = 1.0
    for prediction in kinds:
        print(f"\nprediction = {prediction}, {runs} runs per cell, N = {N} units in {CLUSTERS.max() + 1} clusters")
        print(HEADER)
        for panel in PANELS:
            results = simulate(panel, prediction, runs, args.seed)
            for (design, n), a in results.items():
                cover, cover_h, width, width_h, _, lam, z_jk, plain = a.mean(axis=0)
                uniform_h = results[("uniform", n)][:, 3].mean()
                worst = min(worst, cover)
                print(
                    f"{panel:7} {design:12} {n:4d} {cover:6.3f} {cover_h:7.3f} {width:6.3f} {width_h:7.3f} "
                    f"{width / width_h:5.2f} {width / uniform_h:7.2f} {a[:, 4].mean():6.1f} "
                    f"{np.median(a[:, 4]):6.1f} {lam:5.2f} {z_jk:6.3f} {'-' if np.isnan(plain) else f'{plain:.3f}':>6}"
                )
    print(f"\nlowest PPI coverage in any cell: {worst:.3f}; {time.perf_counter() - started:.0f} s")
    print("cover/cover_h: PPI / humans-only coverage of the 95% interval; width: mean widths; /h: PPI width over")
    print("the same labels' humans-only width; /unif_h: over the humans-only width of a uniform sample of the")
    print("same size; worth: mean and median of n * (humans width / PPI width)^2 per run; lam: mean tuned lam;")
    print("z_jk, ppi_py: coverage without the small-sample handling (see the module docstring).")


if __name__ == "__main__":
    main()
