"""Agreement edge cases: a judge that never gave a verdict, and the turns of multi-turn files."""

from __future__ import annotations

import json
import re

import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa
from typer.testing import CliRunner

from jury.cli import app
from jury.stats.agreement_report import agreement_report

A = ["candidate", "baseline", "tie", "candidate", "baseline", "candidate", "candidate", "baseline"]
B = ["candidate", "baseline", "candidate", "candidate", "tie", "candidate", "baseline", "baseline"]


def _table(silent: bool = True) -> pd.DataFrame:
    data = {"a": A, "b": B, "c": [None] * len(A)} if silent else {"a": A, "b": B}
    return pd.DataFrame(data, index=[f"i{k}" for k in range(len(A))], dtype=object)


def test_a_judge_with_no_verdict_is_left_out_of_fleiss_and_named():
    report = agreement_report(_table())
    codes = {"baseline": 0, "tie": 1, "candidate": 2}
    counts, _ = aggregate_raters(np.array([[codes[x], codes[y]] for x, y in zip(A, B, strict=True)]))
    assert report.fleiss.value == pytest.approx(fleiss_kappa(counts, method="fleiss"))  # statsmodels, a and b only
    assert (report.fleiss.n_items, report.fleiss.n_raters) == (len(A), 2)
    assert report.left_out == ("c",)
    assert (
        report.left_out_note() == "judge c left out of Fleiss' kappa and Krippendorff's alpha: no verdict on any item"
    )
    reference = krippendorff.alpha(
        reliability_data=np.array([[codes[x] for x in A], [codes[y] for y in B]], dtype=float),
        level_of_measurement="nominal",
    )
    assert report.alpha_nominal.value == pytest.approx(reference)
    # nothing changes for a table without the silent judge
    assert agreement_report(_table(silent=False)).fleiss.value == pytest.approx(report.fleiss.value)
    assert agreement_report(_table(silent=False)).left_out_note() is None


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _verdict_rows(turns: int) -> list[dict]:
    rng = np.random.default_rng(4)
    rows = []
    for k in range(40):
        x = str(rng.choice(["candidate", "baseline", "tie"]))
        y = x if rng.random() < 0.7 else str(rng.choice(["candidate", "baseline", "tie"]))
        for t in range(1, turns + 1):  # every turn a copy of the first
            rows += [
                {"item_id": f"q{k}#turn{t}", "judge": "x", "verdict": x},
                {"item_id": f"q{k}#turn{t}", "judge": "y", "verdict": y},
            ]
    return rows


def _kappa_ci(output: str) -> str:
    line = next(line for line in output.splitlines() if re.search(r"│\s*x\s*│\s*y\s*│", line))
    return re.search(r"\[[-0-9.]+, [-0-9.]+\]", line).group(0)


def test_copying_every_turn_of_a_verdicts_file_does_not_narrow_the_kappa_ci(tmp_path):
    env = {"COLUMNS": "200"}
    one = CliRunner().invoke(app, ["agreement", _write(tmp_path / "one.jsonl", _verdict_rows(1))], env=env)
    two = CliRunner().invoke(app, ["agreement", _write(tmp_path / "two.jsonl", _verdict_rows(2))], env=env)
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    # a resample draws whole conversations, so both copies of a turn come together: the same CI exactly
    assert _kappa_ci(two.output) == _kappa_ci(one.output)
    assert "80 turns of 40 conversations" in two.output


def test_the_cli_names_a_judge_that_never_gave_a_verdict(tmp_path):
    rows = [
        {"item_id": f"i{k}", "judge": j, "verdict": v} for k in range(len(A)) for j, v in (("a", A[k]), ("b", B[k]))
    ]
    rows += [{"item_id": f"i{k}", "judge": "c", "verdict": None} for k in range(len(A))]
    result = CliRunner().invoke(app, ["agreement", _write(tmp_path / "v.jsonl", rows)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "judge c left out of Fleiss' kappa and Krippendorff's alpha: no verdict on any item" in result.output
    assert f"Fleiss' kappa: {agreement_report(_table()).fleiss.value:.3f} over 8 items, 2 judges" in result.output
