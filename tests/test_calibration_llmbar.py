"""Calibration on LLMBar's published verdicts of six real judges (no model call): from the verdicts-only
excerpt in tests/data (always) and from the full published files when present (the same figures)."""

from __future__ import annotations

import importlib.util

import pytest

from jury.workflows.calibrate import calibration_report
from tests.conftest import EXCERPTS, ROOT, SHARED_DATA

SOURCES = {"excerpt": EXCERPTS / "llmbar", "full": SHARED_DATA / "llmbar"}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def published(request):
    folder = SOURCES[request.param]
    if not folder.is_dir():
        pytest.skip(f"the {request.param} LLMBar data is absent")
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "calibrate_llmbar_published.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench, *bench.load(folder, "Vanilla")


def test_calibration_learns_to_trust_the_strong_judge(published):
    bench, pairs, votes = published
    report = calibration_report(bench.panel_of(bench.JUDGES), pairs, votes)
    rows = {r.rater: r for r in report.rows}
    weights = dict(zip(report.weights.judges, report.weights.weights, strict=True))
    assert max(weights, key=weights.get) == "GPT-4"
    assert weights["ChatGPT"] == 0.0  # below chance on LLMBar: worse than a coin, so ignored
    # the six-judge majority is dragged to near chance by judges below 50%; held-out calibration is not
    assert rows["panel (majority)"].accuracy < 0.6
    assert rows["calibrated (held out)"].accuracy > rows["panel (majority)"].accuracy + 0.25
    assert abs(rows["calibrated (held out)"].accuracy - rows["GPT-4"].accuracy) < 0.03
    assert rows["GPT-4"].n == len(pairs) == 419
    best = report.vs_best
    assert best.judge == "GPT-4" and best.comparison.ci_low < 0 < best.comparison.ci_high  # no better, no worse
