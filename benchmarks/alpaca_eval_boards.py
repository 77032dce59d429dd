"""Recompute the published AlpacaEval 1.0 / 2.0 leaderboards from their annotations and print how far
jury's numbers are from the published ones (win rate, SEM, counts, discrete and length-controlled rates).

    python benchmarks/alpaca_eval_boards.py [--data ../shared/data/alpaca_eval]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

from jury.stats.length_control import length_controlled_win_rate
from jury.stats.pairwise import win_rate_scores

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "alpaca_eval"
BOARDS = {"AlpacaEval 2.0": "weighted_alpaca_eval_gpt4_turbo", "AlpacaEval 1.0": "alpaca_eval_gpt4"}
STALE = {("AlpacaEval 1.0", "Mistral-7B-Instruct-v0.2")}  # published row predates its annotations


def board_errors(data: Path, title: str, name: str) -> pd.DataFrame:
    annotations = pd.read_json(data / f"annotations_{name}.jsonl.gz", lines=True)
    # file boundary: 1 = baseline, 2 = model, 1.5 (or 0 in the AE1 files) = draw; NaN = unparsed
    annotations["preference"] = annotations["preference"].replace(0, 1.5)
    annotations = annotations[annotations["preference"].between(1, 2)]
    difficulty = pd.read_csv(data / "instruction_difficulty_hat.csv", index_col=0).squeeze("columns")
    published = pd.read_csv(data / f"leaderboard_{name}.csv", index_col=0)
    rows = []
    for model, group in annotations.groupby("generator_2"):
        if model not in published.index or (title, model) in STALE:
            continue
        p = published.loc[model]
        w = win_rate_scores(group["preference"] - 1)
        row = {
            "model": model,
            "win_rate": abs(100 * w.value - p["win_rate"]),
            "standard_error": abs(100 * w.standard_error - p["standard_error"]),
            "discrete_win_rate": abs(100 * w.discrete_value - p["discrete_win_rate"]),
            "counts_equal": (w.n_wins, w.n_draws, w.n_losses) == (p["n_wins"], p["n_draws"], p["n_wins_base"]),
        }
        if name == BOARDS["AlpacaEval 2.0"]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lc = length_controlled_win_rate(
                    group["preference"] - 1, group["len_2"], group["len_1"], difficulty.loc[group["eval_idx"]]
                )
            row["lc_error"] = 100 * lc.value - p["length_controlled_winrate"]
            row["raw_minus_lc"] = p["win_rate"] - p["length_controlled_winrate"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"AlpacaEval data not found at {args.data}: pass --data")
    for title, name in BOARDS.items():
        e = board_errors(args.data, title, name)
        print(
            f"{title} ({name}): {len(e)} models; max |error| win_rate {e['win_rate'].max():.2e}, "
            f"standard_error {e['standard_error'].max():.2e}, discrete_win_rate {e['discrete_win_rate'].max():.2e}; "
            f"n_wins/n_draws/n_wins_base equal for {int(e['counts_equal'].sum())}/{len(e)}"
        )
        if "lc_error" in e:
            worst = e["lc_error"].abs().idxmax()
            print(
                f"  length-controlled win rate: MAE {e['lc_error'].abs().mean():.2f} points "
                f"(median {e['lc_error'].abs().median():.2f}, worst {worst} {e.loc[worst, 'lc_error']:+.1f}); "
                f"raw win rate vs the LC column: MAE {e['raw_minus_lc'].abs().mean():.2f}"
            )


if __name__ == "__main__":
    main()
