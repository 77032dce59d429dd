"""Every LLMBar judge's accuracy and order consistency equals the paper's published counts.

(The kappa values in published_statistics.json are wrong upstream and are not checked.)
"""

from __future__ import annotations

import json
import re

import pytest

from jury.stats.judges import accuracy_against, order_consistency
from tests.conftest import SHARED_DATA

LLMBAR = SHARED_DATA / "llmbar"


@pytest.fixture(scope="module")
def llmbar():
    if not (LLMBAR / "published_statistics.json").exists():
        pytest.skip("shared LLMBar data is absent")
    items = [json.loads(line) for path in sorted(LLMBAR.glob("*.jsonl")) for line in path.open()]
    published = json.loads((LLMBAR / "published_statistics.json").read_text())
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
