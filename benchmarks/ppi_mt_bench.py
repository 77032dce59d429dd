"""The human-anchored win rate on real human labels: MT-Bench's expert and author votes, with GPT-4's pairwise
verdict on the same pair as the panel.

A unit is one question, turn and model pair; its human score is the mean of its human votes from the candidate's
side (win 1, tie 1/2, loss 0), GPT-4's verdict is the prediction ("tie (inconsistent)", the two presentation
orders disagreeing, counts as a tie), and the two turns of one question and pair are a cluster. The target is
the win rate all the human votes give over a pairing's units (a finite population). Pairings: each model against
the field (every unit it appears in) and each model pair. For every pairing and n (n <= N/2), draws a labelling
plan (uniform, and disagreement-first with GPT-4 ties as the uncertain units), stops it at n labels and records
whether the 95% intervals cover the target, their widths and the labels the panel is worth.

    PYTHONPATH=src python benchmarks/ppi_mt_bench.py [--runs 2000] [--data ../shared/data/mt_bench_human_partial]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from jury.stats.label_sampling import disagreement_plan, labelled_sample, prediction_uncertainty, uniform_plan
from jury.stats.ppi import human_anchored_win_rate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mt_bench_human_partial"
SIZES = (20, 50, 200)
SIDE = {"model_a": 0, "model_b": 1}


def _score(winner: str, candidate_side: int) -> float:
    if winner.startswith("tie"):
        return 0.5
    return 1.0 if SIDE[winner] == candidate_side else 0.0


def load_units(path: Path) -> list[dict]:
    """One record per (question, turn, pair): the models, every human score and GPT-4's, from model_a's side."""
    units: dict = defaultdict(lambda: {"human": []})
    with gzip.open(path, "rt") as lines:
        for line in lines:
            vote = json.loads(line)
            pair = tuple(sorted((vote["model_a"], vote["model_b"])))
            unit = units[(vote["question_id"], vote["turn"], pair)]
            side = 0 if vote["model_a"] == pair[0] else 1  # score from pair[0]'s side
            unit.update(question=vote["question_id"], pair=pair)
            unit["human"].append(_score(vote["human_winner"], side))
            unit["gpt4"] = _score(vote["gpt4_pair_winner"], side)
    return list(units.values())


def pairing(units: list[dict], candidate: str, opponent: str | None):
    """Human scores, GPT-4 predictions and clusters from `candidate`'s side, against one model or the field."""
    y, f, clusters = [], [], []
    for u in units:
        if candidate not in u["pair"] or (opponent is not None and opponent not in u["pair"]):
            continue
        flip = u["pair"][0] != candidate
        human, gpt4 = float(np.mean(u["human"])), u["gpt4"]
        y.append(1 - human if flip else human)
        f.append(1 - gpt4 if flip else gpt4)
        clusters.append((u["question"], u["pair"]))
    return np.array(y), np.array(f), clusters


def draw(y, f, clusters, runs: int, seed: int) -> dict:
    """Per (plan, n): rows of (PPI covers, humans cover, PPI width, humans width, worth, lam)."""
    truth, rows = y.mean(), defaultdict(list)
    sizes = [n for n in SIZES if n <= y.size / 2]
    uncertainty = prediction_uncertainty(f)
    for run in range(runs):
        plans = {
            "uniform": uniform_plan(y.size, seed=seed + run),
            "disagreement": disagreement_plan(uncertainty, clusters, seed=seed + run),
        }
        for design, plan in plans.items():
            for n in sizes:
                sample = labelled_sample(plan[:n])
                units = np.array(sample.units)
                r = human_anchored_win_rate(f, clusters, units, y[units], sample.inclusion, strata=sample.strata)
                rows[(design, n)].append(
                    (
                        r.ci_low <= truth <= r.ci_high,
                        r.humans_ci_low <= truth <= r.humans_ci_high,
                        r.ci_high - r.ci_low,
                        r.humans_ci_high - r.humans_ci_low,
                        r.labels_worth,
                        r.lam,
                    )
                )
    return {key: np.array(value, dtype=float) for key, value in rows.items()}


def report(name: str, y, f, results: dict, lowest: dict) -> None:
    agree = np.mean(np.abs(y - f) < 0.25)
    for (design, n), a in results.items():
        cover, cover_h, width, width_h, _, lam = a.mean(axis=0)
        lowest[design] = min(lowest.get(design, 1.0), cover)
        print(
            f"{name:34} {y.size:4d} {y.mean():6.3f} {f.mean():6.3f} {agree:5.2f} {design:12} {n:4d} {cover:6.3f} "
            f"{cover_h:7.3f} {width:6.3f} {width_h:7.3f} {width / width_h:5.2f} {a[:, 4].mean():6.1f} "
            f"{np.median(a[:, 4]):6.1f} {lam:5.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-pairs", action="store_true", help="only each model against the field")
    args = parser.parse_args()
    path = args.data / "mt_bench_human_partial.jsonl.gz"
    if not path.exists():
        print(f"skipped: {path} not found (pass --data)")
        return
    started = time.perf_counter()
    units = load_units(path)
    models = sorted({m for u in units for m in u["pair"]})
    print(f"{len(units)} units (question x turn x pair), {sum(len(u['human']) for u in units)} human votes")
    print(
        f"{'pairing (candidate vs baseline)':34} {'N':>4} {'human':>6} {'gpt4':>6} {'agree':>5} {'plan':12} "
        f"{'n':>4} {'cover':>6} {'cover_h':>7} {'width':>6} {'width_h':>7} {'/h':>5} {'worth':>6} {'med':>6} {'lam':>5}"
    )
    lowest: dict = {}
    pairings = [(m, None) for m in models]
    if not args.no_pairs:
        pairings += [(a, b) for k, a in enumerate(models) for b in models[k + 1 :]]
    for candidate, opponent in pairings:
        y, f, clusters = pairing(units, candidate, opponent)
        results = draw(y, f, clusters, args.runs, args.seed)
        report(f"{candidate} vs {opponent or 'the field'}", y, f, results, lowest)
    print(f"\nlowest PPI coverage: {lowest}; {args.runs} draws per row; {time.perf_counter() - started:.0f} s")
    print("human/gpt4: the pairing's human win rate (the target) and GPT-4's; agree: share of units where GPT-4's")
    print("verdict is within 1/4 of the humans' mean score; cover/cover_h, widths, /h, worth, lam: as in ppi_coverage.")


if __name__ == "__main__":
    main()
