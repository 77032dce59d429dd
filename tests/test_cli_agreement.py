"""`jury agreement FILE` through typer's CliRunner, on a file whose numbers are computed by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury.cli import app
from jury.errors import JuryError
from jury.io.verdicts import load_verdicts
from jury.stats.agreement_report import agreement_report

ROWS = [
    # item 1: x and y say candidate; z says baseline; human candidate
    ("1", "x", "candidate", "candidate"),
    ("1", "y", "candidate", "candidate"),
    ("1", "z", "baseline", "candidate"),
    ("2", "x", "baseline", "baseline"),
    ("2", "y", "baseline", "baseline"),
    ("2", "z", "baseline", "baseline"),
    ("3", "x", "tie", "candidate"),
    ("3", "y", "candidate", "candidate"),
    ("3", "z", "candidate", "candidate"),
    ("4", "x", "candidate", "baseline"),
    ("4", "y", "baseline", "baseline"),
    ("4", "z", None, "baseline"),
]


def _write(path, rows, human=True):
    with path.open("w") as fh:
        for item, judge, verdict, label in rows:
            row = {"item_id": item, "judge": judge, "verdict": verdict}
            if human:
                row["human"] = label
            fh.write(json.dumps(row) + "\n")
    return path


def test_agreement_report_by_hand(tmp_path):
    data = load_verdicts(_write(tmp_path / "v.jsonl", ROWS))
    report = agreement_report(data.verdicts, data.human)
    pairs = report.pairs.set_index(["rater", "reference"])
    # x vs y on items 1..4: agree on 1, 2; differ on 3 (tie vs candidate) and 4 -> 2/4; without ties 2/3
    assert pairs.loc[("x", "y"), "agreement"] == pytest.approx(0.5)
    assert pairs.loc[("x", "y"), "agreement_without_ties"] == pytest.approx(2 / 3)
    human = report.vs_human.set_index("rater")
    # panel (majority): candidate, baseline, candidate, tie (x: candidate vs y: baseline, z abstains)
    assert human.loc["panel", "agreement"] == pytest.approx(3 / 4)
    assert human.loc["y", "agreement"] == pytest.approx(1.0)
    assert human.loc["y", "kappa"] == pytest.approx(1.0)
    assert report.alpha_ordinal is not None and report.fleiss.n_items == 3


def test_cli_prints_the_tables_with_and_without_human_labels(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["agreement", str(_write(tmp_path / "v.jsonl", ROWS))])
    assert result.exit_code == 0, result.output
    assert "Against human labels" in result.output and "Fleiss' kappa" in result.output
    assert "100.0%" in result.output  # judge y against the humans
    result = runner.invoke(app, ["agreement", str(_write(tmp_path / "n.jsonl", ROWS, human=False))])
    assert result.exit_code == 0, result.output
    assert "no human labels" in result.output and "Against human labels" not in result.output


def test_both_presentation_orders_merge_and_a_changed_verdict_is_a_tie(tmp_path):
    path = tmp_path / "orders.jsonl"
    rows = [
        {"item_id": "1", "judge": "x", "preference": "candidate", "order": "candidate_first"},
        {"item_id": "1", "judge": "x", "preference": "baseline", "order": "baseline_first"},
        {"item_id": "1", "judge": "y", "preference": "candidate", "order": "candidate_first"},
        {"item_id": "1", "judge": "y", "preference": "candidate", "order": "baseline_first"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = load_verdicts(path)
    assert data.verdicts.loc["1"].tolist() == ["tie", "candidate"]
    assert data.orders_disagreeing == 1


def test_bad_files_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"item_id": "1", "judge": "x", "verdict": "A"}\n{"item_id": "1", "verdict": "B"}\n')
    with pytest.raises(JuryError, match=r"bad.jsonl:2: missing field 'judge'"):
        load_verdicts(bad)
    clash = tmp_path / "clash.jsonl"
    clash.write_text('{"item_id": "1", "judge": "x", "verdict": "A"}\n{"item_id": "1", "judge": "x", "verdict": "B"}\n')
    with pytest.raises(JuryError, match="different verdicts"):
        load_verdicts(clash)
    result = CliRunner().invoke(app, ["agreement", str(tmp_path / "missing.jsonl")])
    assert result.exit_code != 0 and isinstance(result.exception, JuryError)
