"""Every LLMBar judge's accuracy and order consistency equals the paper's published counts.

The verdicts of every judge on every item (without the texts) and the published statistics travel
with the repository in tests/data/llmbar; tests/test_data_excerpts.py checks them against the full set.

The kappa values in published_statistics.json are wrong upstream: jury's kappa is checked instead
against a confusion table counted here and scikit-learn, on the published verdicts themselves.
"""

from __future__ import annotations

import gzip
import json
import re

import pandas as pd
import pytest

from jury.stats.judges import accuracy_against, order_consistency, reference_table
from jury.stats.kappa import cohen_kappa_labels
from tests.conftest import EXCERPTS

LLMBAR = EXCERPTS / "llmbar"


@pytest.fixture(scope="module")
def llmbar():
    with gzip.open(LLMBAR / "verdicts.jsonl.gz", "rt", encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines]
    with gzip.open(LLMBAR / "published_statistics.json.gz", "rt", encoding="utf-8") as text:
        published = json.load(text)
    return items, published


def _count(text: str) -> tuple[int, int]:
    """'33 / 92 = 35.8%' -> (33, 92)."""
    hits, total = re.match(r"\s*(\d+)\s*/\s*(\d+)", text).groups()
    return int(hits), int(total)


def test_every_judge_accuracy_and_consistency_matches_the_paper(llmbar):
    items, published = llmbar
    for entry in published:
        subset = [it for it in items if it["subset"] == entry["subset"]]
        # file boundary: label 1 / 2 names the winning answer; swap_true is already mapped back
        gold = [str(it["label"]) for it in subset]
        verdicts = [it["judges"].get(entry["evaluator"], {}) for it in subset]
        first = [v.get("swap_false") for v in verdicts]
        second = [v.get("swap_true") for v in verdicts]
        both = [f if f == s else None for f, s in zip(first, second, strict=True)]
        stats = entry["statistics"]
        for ours, key in [
            (accuracy_against(first, gold), "correct_False"),
            (accuracy_against(second, gold), "correct_True"),
            (accuracy_against(both, gold), "correct_both"),
            (order_consistency(first, second), "equal"),
        ]:
            hits, total = _count(stats[key])
            assert ours.n == total, (entry["evaluator"], entry["subset"], key)
            assert round(ours.value * ours.n) == hits, (entry["evaluator"], entry["subset"], key)
    assert len(published) == 349


def test_kappa_with_the_gold_label_is_the_hand_computed_one_not_the_published_one(llmbar):
    """ChatGPT-0301 with CoT on the GPTInst subset, first presentation order: the paper's file says
    kappa -0.108, a confusion table of its own verdicts says -0.268."""
    from sklearn.metrics import cohen_kappa_score

    items, published = llmbar
    subset = [it for it in items if it["subset"] == "LLMBar/Adversarial/GPTInst"]
    gold = [str(it["label"]) for it in subset]
    first = [it["judges"]["ChatGPT-0301/CoT"]["swap_false"] for it in subset]
    table: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, first, strict=True):
        table[g, p] = table.get((g, p), 0) + 1
    assert table == {("1", "1"): 28, ("1", "2"): 17, ("2", "1"): 42, ("2", "2"): 5}  # gold, verdict
    n = sum(table.values())
    observed = (table["1", "1"] + table["2", "2"]) / n  # 33 / 92, the published accuracy
    chance = sum(sum(table.get((c, v), 0) for v in "12") * sum(table.get((g, c), 0) for g in "12") for c in "12") / n**2
    hand = (observed - chance) / (1 - chance)
    assert hand == pytest.approx(-0.26822, abs=1e-5)
    assert cohen_kappa_score(first, gold) == pytest.approx(hand, abs=1e-12)
    assert cohen_kappa_labels(first, gold).value == pytest.approx(hand, abs=1e-12)
    row = reference_table(pd.DataFrame({"ChatGPT-0301/CoT": first}), gold, "human")
    assert (row.loc[0, "kappa"], row.loc[0, "n"]) == (pytest.approx(hand, abs=1e-12), 92)
    entry = next(
        e for e in published if e["subset"] == "LLMBar/Adversarial/GPTInst" and e["evaluator"] == "ChatGPT-0301/CoT"
    )
    assert _count(entry["statistics"]["correct_False"]) == (33, 92)  # the same verdicts as the paper's
    assert entry["statistics"]["kappa_False"] == pytest.approx(-0.10802, abs=1e-5)  # and not their kappa
