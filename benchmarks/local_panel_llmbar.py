"""Does the embedded local panel agree with humans? LLMBar Natural, pointwise probes, real models.

Each LLMBar item is a question, two answers and the human (gold) winner, never a tie. Each local
judge scores each answer alone (P(Yes) to "is this answer correct?") and prefers the higher one.
Rows: each judge alone; the panel as shipped (majority; with two judges a split is a tie); the panel
with average pooling of the scores; the calibrated panel (weights fitted by logistic regression,
each item predicted from weights fitted on the other 4 folds); chance. Accuracy counts a tie ½ (what
a coin flip would score); kappa is Cohen's with the human winner, 95% bootstrap CI.

    PYTHONPATH=src .venv/bin/python benchmarks/local_panel_llmbar.py --limit 100

Every model reply is cached in --store, so a second run only recomputes the table (~400 probe
calls, about 8 minutes on 2 idle cores the first time).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no download

from jury.calibrate import calibration_report
from jury.labels_file import WINNERS, LabelledPair
from jury.models.client import ModelClient
from jury.panel.aggregate import judge_votes
from jury.panel.spec import load_panel
from jury.panel.units import pair_units
from jury.pipeline import judge
from jury.records import Item
from jury.stats.bias import longer_preferred_rate
from jury.store import CallStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar"


class _Quiet:
    def start(self, label: str, total: int):
        return lambda: None


def load_pairs(data: Path, limit: int) -> tuple[LabelledPair, ...]:
    """LLMBar's label 1 / 2 names the winning answer (output_1 = answer_a)."""
    rows = [json.loads(line) for line in (data / "LLMBar_Natural.jsonl").open()][:limit]
    return tuple(
        LabelledPair(
            r["id"], r["question"], r["answer_a"], r["answer_b"], WINNERS["a" if str(r["label"]) == "1" else "b"]
        )
        for r in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--panel", default="local")
    parser.add_argument("--store", type=Path, default=Path(".jury/cache.sqlite"))
    args = parser.parse_args()
    if not (args.data / "LLMBar_Natural.jsonl").exists():
        raise SystemExit(f"LLMBar data not found at {args.data}: pass --data")
    pairs = load_pairs(args.data, args.limit)
    panel = replace(load_panel(args.panel), mode="jury")
    args.store.parent.mkdir(parents=True, exist_ok=True)
    store = CallStore(args.store)
    client = ModelClient(store)
    started = time.perf_counter()
    try:
        items = tuple(Item("llmbar_natural", p.item_id, p.question) for p in pairs)
        first = {p.item_id: p.answer_a for p in pairs}
        second = {p.item_id: p.answer_b for p in pairs}
        judgments = judge(client, panel, pair_units(items, first, second), _Quiet())
    finally:
        client.close()
        store.close()
    elapsed = time.perf_counter() - started
    jv = judge_votes(judgments)
    shipped = calibration_report(panel, pairs, jv)
    pooled = calibration_report(replace(panel, rule="average"), pairs, jv)
    rows = [*shipped.rows[:-1], pooled.rows[-2], shipped.rows[-1]]
    print(
        f"LLMBar Natural, first {len(pairs)} items ({sum(p.human.value == 'candidate' for p in pairs)} won by A), "
        f"panel '{panel.name}' ({', '.join(j.name for j in panel.judges)}), {len(judgments)} judgments, "
        f"{elapsed:.0f} s ({client.calls_made} model calls, {client.cache_hits} from the store)\n"
    )
    print(f"{'rater':<24} {'accuracy':>9} {'kappa [95% CI]':>26} {'abstained':>10} {'n':>4}")
    for r in rows:
        k = r.kappa
        print(
            f"{r.rater:<24} {100 * r.accuracy:8.1f}% {k.value:8.3f} [{k.ci_low:6.3f}, {k.ci_high:6.3f}] "
            f"{r.abstentions:>10} {r.n:>4}"
        )
    print(f"{'chance (coin flip)':<24} {50.0:8.1f}% {0.0:8.3f}")
    w = shipped.weights
    print(
        "\nweights fitted on all items: "
        + ", ".join(
            f"{j} {c:+.2f} (weight {x:.2f})" for j, c, x in zip(w.judges, w.coefficients, w.weights, strict=True)
        )
    )
    by = {(v.item_id, v.judge): v for v in jv}
    names = tuple(j.name for j in panel.judges)
    lengths = {p.item_id: (len(p.answer_a), len(p.answer_b)) for p in pairs}
    longer = [("humans", {p.item_id: p.human for p in pairs})]
    longer += [(n, {p.item_id: by[(p.item_id, n)].preference for p in pairs}) for n in names]
    print(
        "P(longer answer wins), exact 95% CI: "
        + "; ".join(
            f"{n} {100 * r.value:.0f}% [{100 * r.ci_low:.0f}, {100 * r.ci_high:.0f}] (n={r.n})"
            for n, r in ((n, longer_preferred_rate(prefs, lengths)) for n, prefs in longer)
        )
    )
    best, cmp = shipped.vs_best.judge, shipped.vs_best.comparison
    print(
        f"calibrated (held out) minus the best member ({best}), paired over items: "
        f"{100 * cmp.mean_difference:+.1f} points, 95% CI [{100 * cmp.ci_low:+.1f}, {100 * cmp.ci_high:+.1f}], "
        f"p = {cmp.p_value:.2g}"
    )


if __name__ == "__main__":
    main()
