"""Bad labels are refused, never skipped: one line naming the file and line, exit 1, and the labels file
is left exactly as it was (or not created)."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from jury import cli
from jury.io.human_labels import LABELS_FILE

from .label_fixtures import make_run
from .test_label_file import _session


def _jury(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["jury", *args])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return stopped.value.code, capsys.readouterr().err


@pytest.fixture()
def labelled(tmp_path):
    """A run (four single-turn items, one two-turn) that ann has labelled two pairs of."""
    run = make_run(tmp_path / "reports" / "run-a", n_single=4, n_two_turn=1)
    s = _session(run)
    s.act("1")
    s.act("0")
    return run.report_dir


def _edit(folder, line: int, **changes) -> None:
    path = folder / LABELS_FILE
    rows = path.read_text().splitlines()
    rows[line - 1] = json.dumps({**json.loads(rows[line - 1]), **changes})
    path.write_text("\n".join(rows) + "\n")


def _other_run(tmp_path, folder, **kwargs) -> None:
    """Labels made on another run, copied into this run's folder."""
    other = make_run(tmp_path / "other", n_single=4, n_two_turn=1, **kwargs)
    _session(other).act("1")
    shutil.copy(other.report_dir / LABELS_FILE, folder / LABELS_FILE)


BAD_FILES = {
    "unknown winner": (lambda tmp, f: _edit(f, 2, winner="cand"), ":2: unknown winner 'cand' (use candidate"),
    "unit not in the run": (lambda tmp, f: _edit(f, 2, unit_id="q99"), ":2: unit 'q99' is not in run 'run-a'"),
    "another run's labels": (
        lambda tmp, f: _other_run(tmp, f, run_id="run-b"),
        ":1: labels of run 'run-b', not of run 'run-a'",
    ),
    "the same run id, other answers": (
        lambda tmp, f: _other_run(tmp, f, hostile=True),
        ":1: labels made on other questions or answers than this run's",
    ),
    "undo of nothing": (
        lambda tmp, f: _edit(f, 2, kind="undo", labeller="bob"),
        ":2: undo, but labeller 'bob' has nothing left to undo",
    ),
    "a truncated line": (lambda tmp, f: (f / LABELS_FILE).write_text('{"version": 1, "kind"\n'), ":1: invalid JSON"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_labels_file_is_refused_before_labelling(case, labelled, tmp_path, monkeypatch, capsys):
    damage, expected = BAD_FILES[case]
    damage(tmp_path, labelled)
    before = (labelled / LABELS_FILE).read_bytes()
    code, err = _jury(monkeypatch, capsys, "label", str(labelled), "--tty", "--labeller", "ann")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"{LABELS_FILE}{expected}" in err and "Traceback" not in err
    assert (labelled / LABELS_FILE).read_bytes() == before


BAD_EXPORTS = {
    "unknown winner": ("item_id,winner\nq1,candidate\nq2,maybe\n", [], "export.csv:3: unknown winner 'maybe'"),
    "A/B without an order": ("item_id,winner\nq1,A\n", [], "export.csv:2: winner 'A' is relative to the order"),
    "an item the run lacks": ("item_id,winner\nq9,tie\n", [], "export.csv:2: item 'q9' is not in run 'run-a'"),
    "a turn of a two-turn item": ("item_id,winner\nc1,tie\n", [], "export.csv:2: item 'c1' has 2 turns"),
    "a stray quote": ('item_id,winner\nq1,tie\nq2,"tie\nq3,tie\n', [], "export.csv:3: a quoted field is never closed"),
    "a bad winner map": (
        "item_id,winner\nq1,left\n",
        ["--winner-map", "left=first"],
        "--winner-map entry 'left=first'",
    ),
    "a labeller who followed a plan": (
        "item_id,winner,labeller\nq1,tie,ann\n",
        [],
        "labeller 'ann' has labels under two plans (--strategy uniform --seed 0, then imported labels)",
    ),
}


@pytest.mark.parametrize("case", BAD_EXPORTS)
def test_a_bad_export_is_refused_and_nothing_is_imported(case, labelled, tmp_path, monkeypatch, capsys):
    text, options, expected = BAD_EXPORTS[case]
    export = tmp_path / "export.csv"
    export.write_text(text)
    before = (labelled / LABELS_FILE).read_bytes()
    code, err = _jury(
        monkeypatch, capsys, "label", str(labelled), "--import", str(export), "--labeller", "eve", *options
    )
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert expected in err and "Traceback" not in err
    assert (labelled / LABELS_FILE).read_bytes() == before


def test_a_bad_export_into_an_unlabelled_run_creates_no_file(tmp_path, monkeypatch, capsys):
    run = make_run(tmp_path / "reports" / "run-a")
    export = tmp_path / "export.jsonl"
    export.write_text('{"id": "q1", "winner": "candidate"}\n{"id": "q2", "winner": "model_c"}\n')
    code, err = _jury(monkeypatch, capsys, "label", str(run.report_dir), "--import", str(export))
    assert code == 1 and "export.jsonl:2: unknown winner 'model_c'" in err
    assert not (run.report_dir / LABELS_FILE).exists()
