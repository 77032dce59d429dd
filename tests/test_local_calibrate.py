"""`jury calibrate` with the real local panel on 10 LLMBar Natural pairs (skips without the data)."""

from __future__ import annotations

import json
import math

import pytest

from jury.io.labels import load_labels
from jury.workflows.calibrate import run_calibration
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.local_models
NATURAL = SHARED_DATA / "llmbar" / "LLMBar_Natural.jsonl"


def test_calibrate_the_local_panel_on_ten_llmbar_pairs(workdir):
    if not NATURAL.exists():
        pytest.skip("shared LLMBar data is absent")
    rows = [json.loads(line) for line in NATURAL.open()]
    # five won by each answer, the shortest first, so the real models stay fast
    rows.sort(key=lambda r: len(r["question"]) + len(r["answer_a"]) + len(r["answer_b"]))
    chosen = [r for r in rows if str(r["label"]) == "1"][:5] + [r for r in rows if str(r["label"]) == "2"][:5]
    labels = workdir / "labels.jsonl"
    labels.write_text(
        "\n".join(
            json.dumps({"id": r["id"], "question": r["question"], "answer_a": r["answer_a"], "answer_b": r["answer_b"],
                        "human_winner": "a" if str(r["label"]) == "1" else "b"})
            for r in chosen
        )
    )  # fmt: skip
    report = run_calibration("local", load_labels(labels), folds=2)
    rows_by = {r.rater: r for r in report.rows}
    assert set(rows_by) == {"smollm2-135m", "gemma3-270m", "panel (majority)", "calibrated (held out)"}
    assert all(r.n == 10 and 0.0 <= r.accuracy <= 1.0 for r in report.rows)
    assert all(math.isfinite(w) and w >= 0 for w in report.weights.weights)
    assert report.vs_best is not None and report.vs_best.comparison.n == 10
