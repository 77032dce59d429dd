"""Does the embedded local panel agree with humans? LLMBar Natural, pointwise probes, real models.

Each LLMBar item is a question with two answers and a human (gold) winner, never a tie. Answer 1 is
shown to the judges as the "candidate" and answer 2 as the "baseline"; each local judge scores each
answer alone (P(Yes) to "is this answer correct?"). The table gives, for each judge alone, the panel's
majority vote, the panel's average pooling and a cross-validated calibrated panel (logistic regression
on the judges' score differences): accuracy against the human winner (a tie counts ½, as a coin flip
would), Cohen's kappa with a bootstrap CI, and chance (50%, kappa 0).

    PYTHONPATH=src .venv/bin/python benchmarks/local_panel_llmbar.py --limit 100

Every model reply is cached in --store, so a second run only recomputes the table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from jury.models.client import ModelClient
from jury.panel.spec import load_panel
from jury.pipeline import judge
from jury.records import Item
from jury.store import CallStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar"


class _Quiet:
    def start(self, label, total):
        return lambda: None


def load_items(data: Path, limit: int) -> tuple[tuple[Item, ...], dict[str, str], dict[str, str], dict[str, str]]:
    rows = [json.loads(line) for line in (data / "LLMBar_Natural.jsonl").open()][:limit]
    items = tuple(Item("llmbar_natural", r["id"], r["question"]) for r in rows)
    first = {r["id"]: r["answer_a"] for r in rows}
    second = {r["id"]: r["answer_b"] for r in rows}
    human = {r["id"]: "candidate" if str(r["label"]) == "1" else "baseline" for r in rows}
    return items, first, second, human


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--panel", default="local")
    parser.add_argument("--store", type=Path, default=Path(".jury/cache.sqlite"))
    args = parser.parse_args()
    if not (args.data / "LLMBar_Natural.jsonl").exists():
        raise SystemExit(f"LLMBar data not found at {args.data}: pass --data")
    items, first, second, _human = load_items(args.data, args.limit)
    panel = load_panel(args.panel)
    args.store.parent.mkdir(parents=True, exist_ok=True)
    store = CallStore(args.store)
    client = ModelClient(store)
    started = time.perf_counter()
    try:
        judgments = judge(client, panel, items, first, second, _Quiet())
    finally:
        client.close()
        store.close()
    print(f"{len(judgments)} judgments in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
