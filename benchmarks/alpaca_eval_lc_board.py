"""AlpacaEval 2.0's length-controlled column replayed on a jury leaderboard, against the published one.

Every AlpacaEval 2.0 model with complete outputs is submitted with `jury leaderboard submit` (the real
CLI, one process per model) to a board whose baseline is gpt4_1106_preview and whose single pairwise
judge is a loopback OpenAI-compatible server: it answers each judge request with AlpacaEval's recorded
GPT-4-turbo verdict on that pair ([[A]]/[[B]] for the side it preferred, [[C]] for an exact tie). The
board's win rate, LC rate and the published LC rate are printed per model, then the error summary.

Fast path (labelled so): the same recorded verdicts and lengths fed straight into the board's LC code
(leaderboard.standings.length_controlled_column), without judging; on all models, and on the CLI's subset.

    python benchmarks/alpaca_eval_lc_board.py [--models K] [--fast-only] [--bootstrap N] [--data DIR] [--workdir DIR]

Targets: mean absolute error <= 2 points against the published LC column, no model off by more than 5.
With --bootstrap N, the reported LC standard errors are compared with an instruction bootstrap of the fit.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from alpaca_eval_replay import ReplayJudge, serve_in_thread  # noqa: E402
from jury.leaderboard.standings import length_controlled_column  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data" / "alpaca_eval"
ANNOTATOR = "weighted_alpaca_eval_gpt4_turbo"
BASELINE = "gpt4_1106_preview"
ALWAYS = ("gpt4_gamed", "gpt-3.5-turbo-1106_concise")  # the runaways of the old fit: always in a subset
PROMPT = """Which answer follows the instruction better?

[Question]
{question}

[Start of answer A]
{answer_a}
[End of answer A]

[Start of answer B]
{answer_b}
[End of answer B]

Reply with [[A]], [[B]], or [[C]] for a tie."""


def load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Annotations of the models with all 805 verdicts and texts, the published board, the texts."""
    annotations = pd.read_json(data / f"annotations_{ANNOTATOR}.jsonl.gz", lines=True)
    published = pd.read_csv(data / f"leaderboard_{ANNOTATOR}.csv", index_col=0)
    texts: dict[str, str] = {}
    with gzip.open(data / "output_texts_ae2.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts[row["sha"]] = row["text"]

    def complete(rows: pd.DataFrame) -> bool:
        shas = pd.concat([rows["output_1_sha"], rows["output_2_sha"]])
        return len(rows) == 805 and rows["preference"].between(1, 2).all() and shas.isin(texts).all()

    ok = [m for m, rows in annotations.groupby("generator_2") if complete(rows)]
    keep = [m for m in ok if m in published.index and m != BASELINE]
    return annotations[annotations["generator_2"].isin(keep)].copy(), published, texts


def verdicts(annotations: pd.DataFrame) -> pd.DataFrame:
    """The board's view of the recorded verdicts: 1 model wins, 0 baseline wins, 1/2 an exact tie."""
    p = annotations["preference"]
    score = (p > 1.5).astype(float) + 0.5 * (p == 1.5)
    return pd.DataFrame(
        {
            "model": annotations["generator_2"],
            "item": annotations["eval_idx"].astype(str),
            "score": score,
            "candidate_length": annotations["len_2"],
            "baseline_length": annotations["len_1"],
            "cluster": annotations["generator_2"] + "/" + annotations["eval_idx"].astype(str),
        }
    )


def fast_path(annotations: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    battles = verdicts(annotations[annotations["generator_2"].isin(models)])
    column = length_controlled_column(battles)
    wins = battles.groupby("model")["score"].mean()
    return pd.DataFrame({m: {"win_rate": wins[m], "lc": column[m][0], "note": column[m][2]} for m in models}).T


def bootstrap_check(annotations: pd.DataFrame, models: list[str], rounds: int, seed: int = 0) -> None:
    """Is the reported standard error honest? Resample the 805 instructions (every model's verdict on
    an instruction together), refit the whole board, and compare the spread with the reported error."""
    battles = verdicts(annotations[annotations["generator_2"].isin(models)])
    reported = pd.Series({m: cell[1] for m, cell in length_controlled_column(battles).items()}, dtype=float)
    by_item = dict(tuple(battles.groupby("item")))
    items, rng, rates = list(by_item), np.random.default_rng(seed), []
    for _ in range(rounds):
        drawn = [by_item[i].assign(item=f"{i}#{k}", cluster=by_item[i]["cluster"] + f"#{k}") for k, i in
                 enumerate(rng.choice(items, len(items)))]  # fmt: skip
        rates.append({m: cell[0] for m, cell in length_controlled_column(pd.concat(drawn)).items()})
    ratio = (reported / pd.DataFrame(rates).std()).dropna()
    q = ratio.quantile([0.1, 0.25, 0.5, 0.75, 0.9])
    print(
        f"standard error / instruction-bootstrap SD ({rounds} rounds, {len(ratio)} models): median {q[0.5]:.2f}, "
        f"quartiles {q[0.25]:.2f}-{q[0.75]:.2f}, 10-90% {q[0.1]:.2f}-{q[0.9]:.2f} "
        f"(a bootstrap SD from {rounds} rounds is itself uncertain by about {100 / np.sqrt(2 * (rounds - 1)):.0f}%)"
    )


def subset(published: pd.DataFrame, models: list[str], k: int) -> list[str]:
    """k models spread over the published LC ranking, with the old fit's runaways among them."""
    if k <= 0 or k >= len(models):
        return models
    ranked = published.loc[models, "length_controlled_winrate"].sort_values().index.tolist()
    chosen = [m for m in ALWAYS if m in models][:k]
    step = len(ranked) / max(k - len(chosen), 1)
    for j in range(k - len(chosen)):
        candidates = [m for m in ranked[int(j * step) :] if m not in chosen]
        chosen.append(candidates[0])
    return chosen


def instructions(data: Path) -> pd.Series:
    return pd.read_json(data / "instructions.jsonl", lines=True).set_index("idx")["instruction"]


def write_board(
    folder: Path, annotations: pd.DataFrame, texts: dict[str, str], prompts: pd.Series, api_base: str
) -> None:
    base = annotations.drop_duplicates("eval_idx").set_index("eval_idx")["output_1_sha"].sort_index()
    rows = [{"instruction": prompts[i], "output": texts[sha], "generator": BASELINE} for i, sha in base.items()]
    folder.mkdir(parents=True)
    (folder / "alpaca_eval.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    (folder / "replay.txt").write_text(PROMPT)
    (folder / "panel.yaml").write_text(
        "name: replay\nmode: jury\naggregation:\n  rule: majority\n  tie_rule: tie\njudges:\n"
        "  - name: gpt4-turbo-replay\n    model: openai/gpt4-turbo-replay\n    family: openai\n"
        f"    strategy: pairwise\n    prompt: replay.txt\n    api_base: {api_base}\n"
    )
    (folder / "board.yaml").write_text("name: alpaca-eval-2-replay\ntask: alpaca_eval.json\npanel: panel.yaml\n")


def submit_all(
    folder: Path, annotations: pd.DataFrame, texts: dict, prompts: pd.Series, models: list[str], judge: ReplayJudge
) -> None:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src"), "OPENAI_API_KEY": "sk-replay-not-a-key"}
    for k, model in enumerate(models, 1):
        rows = annotations[annotations["generator_2"] == model].sort_values("eval_idx")
        outputs = [
            {"instruction": prompts[i], "output": texts[sha], "generator": model}
            for i, sha in zip(rows["eval_idx"], rows["output_2_sha"], strict=True)
        ]
        path = folder / "outputs" / f"{k:02d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(outputs, ensure_ascii=False), encoding="utf-8")
        judge.load(rows, prompts, texts)
        started = time.perf_counter()
        store = (
            folder / "stores" / f"{k:02d}"
        )  # one store per model: identical pairs of two models keep their own verdicts
        command = [sys.executable, "-m", "jury", "leaderboard", "submit", "--board", str(folder),
                   "--outputs", str(path), "--model", model, "--store", str(store)]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"jury leaderboard submit failed for {model}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        seconds = time.perf_counter() - started
        print(f"  [{k}/{len(models)}] {model}: {seconds:.0f} s, {judge.misses} unmatched requests", flush=True)


def summary(title: str, table: pd.DataFrame, published: pd.DataFrame) -> None:
    error = 100 * table["lc"].astype(float) - published.loc[table.index, "length_controlled_winrate"]
    worst = error.abs().sort_values(ascending=False).head(5)
    print(
        f"{title}: {len(error)} models, LC mean absolute error {error.abs().mean():.2f} points "
        f"(target <= 2), max {error.abs().max():.1f} (target <= 5), {int((error.abs() > 5).sum())} over 5; "
        "worst: " + ", ".join(f"{m} {error[m]:+.1f}" for m in worst.index)
    )
    if "NullModel" in error.index and len(error) > 1:
        rest = error.drop("NullModel").abs()
        why = "a prompt injection: the judge's verdicts give it 84%, its preference probabilities 77%"
        print(f"  without NullModel ({why}): MAE {rest.mean():.2f}, max {rest.max():.1f}")


def print_table(table: pd.DataFrame, published: pd.DataFrame, columns: dict[str, str]) -> None:
    header = f"{'model':38s} {'AE discrete':>11s} " + " ".join(f"{c:>12s}" for c in columns) + f" {'published LC':>12s}"
    print(header)
    for m in published.loc[table.index, "length_controlled_winrate"].sort_values(ascending=False).index:
        cells = " ".join(f"{100 * float(table.loc[m, c]):12.1f}" for c in columns.values())
        row = published.loc[m]
        print(f"{m:38s} {row['discrete_win_rate']:11.1f} {cells} {row['length_controlled_winrate']:12.1f}")


def main(args: argparse.Namespace) -> None:
    if not args.data.exists():
        print(f"AlpacaEval data not found at {args.data}: skipped (pass --data)")
        return
    annotations, published, texts = load(args.data)
    models = sorted(annotations["generator_2"].unique())
    print(f"{len(models)} AlpacaEval 2.0 models with complete outputs and verdicts (baseline {BASELINE})")
    fast = fast_path(annotations, models)
    print("\nFAST PATH (recorded verdicts fed straight into the board's LC code; no judging), all models:")
    print_table(fast, published, {"win rate": "win_rate", "LC": "lc"})
    summary("FAST PATH, all models", fast, published)
    if args.bootstrap:
        bootstrap_check(annotations, models, args.bootstrap)
    if args.fast_only:
        return
    chosen = subset(published, models, args.models)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="lc-board-"))
    judge = ReplayJudge()
    print(f"\nCLI: `jury leaderboard submit` of {len(chosen)} models to {work / 'board'}")
    with serve_in_thread(judge.app()) as api_base:
        prompts = instructions(args.data)
        write_board(work / "board", annotations, texts, prompts, api_base)
        submit_all(work / "board", annotations, texts, prompts, chosen, judge)
    board = pd.read_csv(work / "board" / "leaderboard.csv").set_index("model")
    cli = pd.DataFrame({"win_rate": board["win_rate"], "lc": board["lc_win_rate"]}).loc[chosen]
    same = fast_path(annotations, chosen)
    both = pd.DataFrame({"win_rate": cli["win_rate"], "lc": cli["lc"], "fast_lc": same["lc"]})
    print(f"\nCLI board of {len(chosen)} models (and the fast path on the same models):")
    print_table(both, published, {"win rate": "win_rate", "LC (CLI)": "lc", "LC (fast)": "fast_lc"})
    gap = (100 * (cli["win_rate"] - published.loc[chosen, "discrete_win_rate"] / 100)).abs()
    equal = int((gap < 1e-6).sum())
    print(f"win rate vs AlpacaEval's discrete win rate: equal on {equal}/{len(gap)}, max gap {gap.max():.2f} points")
    summary(f"CLI ({len(chosen)} models)", cli, published)
    summary(f"FAST PATH, the same {len(chosen)} models", same, published)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--models", type=int, default=0, help="submit K models through the CLI (0: all)")
    parser.add_argument("--fast-only", action="store_true", help="only the fast path (no judging)")
    parser.add_argument("--bootstrap", type=int, default=0, help="check the LC standard errors with N resamples")
    parser.add_argument("--workdir", type=Path, default=None, help="where the board goes (default: a temp folder)")
    main(parser.parse_args())
