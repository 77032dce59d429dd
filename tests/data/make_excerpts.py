"""Cut the small excerpts under tests/data from the full public sets, so that a clone without the full
sets still runs the reproductions of AlpacaEval, LLMBar and MT-Bench numbers. Rebuilding is
deterministic: tests/test_data_excerpts.py rebuilds into a temporary folder and compares.

    python tests/data/make_excerpts.py [FULL_DATA_FOLDER] [OUT_FOLDER]

FULL_DATA_FOLDER defaults to $JURY_TEST_SHARED_DATA, else ../shared/data beside the checkout (as in
tests/conftest.py); OUT_FOLDER to this folder. Prints each file's size and the total.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent

# AlpacaEval: a handful of models per board, each chosen for a boundary the reading must get right
AE_MODELS = {
    "weighted_alpaca_eval_gpt4_turbo": (
        "gpt4_1106_preview",  # the baseline against itself: 805 exact draws, 50 %
        "NullModel",  # the prompt injection at the top of the board
        "claude-2",
        "alpaca-7b",
        "phi-2",  # 803 of 805 instructions annotated
    ),
    "alpaca_eval_gpt4": (
        "gpt4_1106_preview",  # draws written as 0, one unparsed preference
        "gpt4_0314",  # 14 draws written as 1.5
        "gpt-3.5-turbo-1106",  # draws written as 1.5, one unparsed preference
        "alpaca-7b",  # 16 draws written as 0
        "phi-2",  # 22 draws written as 0, 6 unparsed preferences (n_total 799)
    ),
}
AE_FIELDS = ("generator_1", "generator_2", "eval_idx", "instruction_sha1", "preference", "len_1", "len_2")
LLMBAR_FIELDS = ("id", "subset", "label", "judges")  # every item and verdict, without the texts
MT_BENCH_HUMAN = "mt_bench_human_partial.jsonl.gz"
MT_BENCH_FIELDS = ("question_id", "turn", "model_a", "model_b", "judge", "human_winner", "gpt4_pair_winner")
MT_BENCH_SCORES = "published_mt_bench_scores_2023-06-22.csv"


def default_full_data() -> Path:
    """Where the full sets live: the same rule as tests/conftest.py."""
    return Path(os.environ.get("JURY_TEST_SHARED_DATA") or HERE.parents[2] / "shared" / "data")


def write_gzip(path: Path, text: str) -> None:
    """Gzip with no name and no time in the header, so the same text always gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def _jsonl(rows: Iterable[dict], fields: tuple[str, ...]) -> str:
    """Keep `fields` of each row; values are written back exactly as json parsed them (floats round-trip)."""
    return "".join(json.dumps({f: row[f] for f in fields}, separators=(",", ":")) + "\n" for row in rows)


def _read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _csv_rows(source: Path, first_column: Iterable[str]) -> str:
    """The header and the lines whose first cell is wanted, copied verbatim (published floats keep every digit)."""
    wanted = set(first_column)
    header, *lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.split(",", 1)[0] in wanted]
    missing = wanted - {line.split(",", 1)[0] for line in kept}
    if missing:
        raise ValueError(f"{source}: no row for {sorted(missing)}")
    return header + "".join(kept)


def alpaca_eval(full: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for board, models in AE_MODELS.items():
        rows = [r for r in _read_jsonl(full / f"annotations_{board}.jsonl.gz") if r["generator_2"] in models]
        rows.sort(key=lambda r: (r["eval_idx"], models.index(r["generator_2"])))  # neighbours share instructions
        annotations = out / f"annotations_{board}.jsonl.gz"
        write_gzip(annotations, _jsonl(rows, AE_FIELDS))
        leaderboard = out / f"leaderboard_{board}.csv"
        leaderboard.write_text(_csv_rows(full / f"leaderboard_{board}.csv", models), encoding="utf-8")
        written += [annotations, leaderboard]
    return written


def llmbar(full: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = [r for path in sorted(full.glob("*.jsonl")) for r in _read_jsonl(path)]
    verdicts, published = out / "verdicts.jsonl.gz", out / "published_statistics.json.gz"
    write_gzip(verdicts, _jsonl(rows, LLMBAR_FIELDS))
    write_gzip(published, (full / "published_statistics.json").read_text(encoding="utf-8"))
    return [verdicts, published]


def mt_bench(full: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    votes, scores = out / MT_BENCH_HUMAN, out / MT_BENCH_SCORES
    write_gzip(votes, _jsonl(_read_jsonl(full / "mt_bench_human_partial" / MT_BENCH_HUMAN), MT_BENCH_FIELDS))
    scores.write_bytes((full / "mt_bench_answers" / MT_BENCH_SCORES).read_bytes())
    return [votes, scores]


def build(full: Path, out: Path) -> list[Path]:
    """Write every excerpt under `out` (alpaca_eval/, llmbar/, mt_bench/) and return their paths."""
    return (
        alpaca_eval(full / "alpaca_eval", out / "alpaca_eval")
        + llmbar(full / "llmbar", out / "llmbar")
        + mt_bench(full, out / "mt_bench")
    )


def main(argv: list[str]) -> None:
    full = Path(argv[0]) if argv else default_full_data()
    out = Path(argv[1]) if len(argv) > 1 else HERE
    if not full.is_dir():
        sys.exit(f"the full data folder {full} does not exist: pass it as the first argument")
    written = build(full, out)
    for path in written:
        print(f"{path.stat().st_size / 1024:8.1f} KB  {path.relative_to(out)}")
    print(f"{sum(p.stat().st_size for p in written) / 1024:8.1f} KB  in all")


if __name__ == "__main__":
    main(sys.argv[1:])
