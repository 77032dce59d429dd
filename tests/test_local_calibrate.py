"""`jury calibrate` with the real local panel on 10 LLMBar Natural pairs (skips without the data)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jury.io.labels import load_labels
from jury.panel.escape import escape_output
from jury.panel.log_odds import logit
from jury.panel.strategies.base import NO_REFERENCE
from jury.paths import builtin_dir
from jury.stats.calibration import fit_weights
from jury.workflows.calibrate import run_calibration
from tests.conftest import SHARED_DATA

from .local_reference import p_yes_by_hand

pytestmark = pytest.mark.local_models
NATURAL = SHARED_DATA / "llmbar" / "LLMBar_Natural.jsonl"
JUDGES = {"smollm2-135m": "smollm2-135m-instruct", "gemma3-270m": "gemma3-270m"}  # panels/local.yaml
MARGIN = 0.02  # both judges' tie_margin in panels/local.yaml


def _verdict(diff: float) -> str:
    return "tie" if abs(diff) <= MARGIN else "a" if diff > 0 else "b"


def _credit(verdict: str, human: str) -> float:
    return 0.5 if verdict == "tie" else float(verdict == human)


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
    assert all(r.n == 10 and r.abstentions == 0 for r in report.rows)

    # by hand from the LLMBar rows and llama.cpp: each judge's P(Yes) for answer A and for answer B alone
    template = (builtin_dir("panels") / "prompts" / "probe_correct.txt").read_text()
    human = ["a" if str(r["label"]) == "1" else "b" for r in chosen]
    verdicts, evidence = {}, np.empty((len(chosen), len(JUDGES)))
    for j, (judge, model) in enumerate(JUDGES.items()):
        p = [
            [p_yes_by_hand(model, template.format(question=r["question"], answer=escape_output(r[side]),
                                                  reference=NO_REFERENCE)) for side in ("answer_a", "answer_b")]
            for r in chosen
        ]  # fmt: skip
        verdicts[judge] = [_verdict(a - b) for a, b in p]
        evidence[:, j] = [logit(a) - logit(b) for a, b in p]  # the judge's log-odds that A is better
        accuracy = np.mean([_credit(v, h) for v, h in zip(verdicts[judge], human, strict=True)])
        assert rows_by[judge].accuracy == pytest.approx(accuracy), judge
    # majority of two, a 1-1 split is a tie (tie_rule)
    panel = [x if x == y else "tie" for x, y in zip(*verdicts.values(), strict=True)]
    assert rows_by["panel (majority)"].accuracy == pytest.approx(
        np.mean([_credit(v, h) for v, h in zip(panel, human, strict=True)])
    )
    # the weights: a logistic fit of the human winner on the judges' log-odds, as the evidence by hand
    fitted = fit_weights(evidence, np.array([h == "a" for h in human], dtype=int), tuple(JUDGES))
    assert report.weights.coefficients == pytest.approx(fitted.coefficients, abs=1e-4)
    assert report.vs_best is not None and report.vs_best.comparison.n == 10
