"""The labels file as a labelling session writes it: append-only, undo and supersede, resume, several
labellers, repeat draws, and what the reader resolves from it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jury.errors import JuryError
from jury.io.human_labels import LABELS_FILE, load_human_labels, run_identity
from jury.labels.log import labeller_lock
from jury.labels.session import LabelSession, presented_order, winner
from jury.records import Preference

from .label_fixtures import label_rows, make_run

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _session(run, labeller="ann", strategy="uniform", seed=0, sample=4):
    return LabelSession(run, labeller=labeller, strategy=strategy, seed=seed, sample=sample, via="test")


def _labels(run):
    return load_human_labels(run.report_dir / LABELS_FILE, run_identity(run.run_id, run.units))


def test_keys_map_back_from_the_presented_sides():
    assert [winner(k, "candidate_first") for k in "120"] == [C, B, T]
    assert [winner(k, "baseline_first") for k in "120"] == [B, C, T]


def test_every_action_only_appends_and_undo_then_relabel_supersedes(tmp_path):
    run = make_run(tmp_path / "run")
    s = _session(run)
    path = run.report_dir / LABELS_FILE
    before = b""
    first = s.current()
    for key in ("1", "s", "u", "0", "u", "u", "2"):
        s.act(key)
        now = path.read_bytes()
        assert now.startswith(before) and len(now) > len(before)  # the file only grows
        before = now
    rows = label_rows(run.report_dir)
    assert [r["kind"] for r in rows] == ["label", "skip", "undo", "label", "undo", "undo", "label"]
    assert rows[2]["unit_id"] == rows[1]["unit_id"] and rows[5]["unit_id"] == rows[0]["unit_id"] == first.unit.unit_id
    (label,) = _labels(run).labels  # the first unit, labelled twice: the later label stands
    expected = winner("2", first.order)
    assert (label.unit_id, label.winner, label.score) == (first.unit.unit_id, expected, expected.score)
    assert rows[-1]["order"] == presented_order(0, "ann", first.unit.unit_id)


def test_a_row_holds_what_the_brief_asks(tmp_path):
    run = make_run(tmp_path / "run", n_single=3, n_two_turn=1)
    s = _session(run, sample=2)
    pair = s.current()
    s.act("1")
    (row,) = label_rows(run.report_dir)
    assert set(row) >= {"run_id", "items_sha256", "unit_id", "item_id", "turn", "labeller", "order", "winner", "time",
                        "strategy", "seed", "draw", "inclusion_probability", "stratum", "stratum_size",
                        "stratum_position"}  # fmt: skip
    assert (row["run_id"], row["unit_id"], row["labeller"], row["strategy"], row["seed"], row["draw"]) == (
        "run-a",
        pair.unit.unit_id,
        "ann",
        "uniform",
        0,
        0,
    )
    assert row["items_sha256"] == run_identity(run.run_id, run.units).items_sha256 and row["time"].endswith("Z")
    assert (row["stratum"], row["stratum_size"], row["stratum_position"]) == (0, 5, 0)  # uniform: one stratum
    assert row["inclusion_probability"] == pytest.approx(1 / 5)  # had the labeller stopped right after it


def test_the_same_command_resumes_where_the_labeller_stopped(tmp_path):
    run = make_run(tmp_path / "run")
    s = _session(run)
    s.act("1")
    s.act("s")
    expected = s.current()
    resumed = _session(run)  # a new process reading the file: same plan, same order, next pair
    assert resumed.current() == expected and resumed.answered_count == 2 and resumed.skipped_count == 1
    resumed.act("0")
    resumed.act("1")
    assert resumed.current() is None and resumed.act("1") == "every planned pair is answered"
    assert _session(run, sample=6).current().done == 4  # asking for more continues the same order
    labels = _labels(run)
    assert len(labels.labels) == 3 and len(labels.skipped) == 1
    plan = {x.position: x for x in resumed.plan.labels}
    assert all(x.stratum_position == plan[x.draw].stratum_position for x in labels.labels)


def test_labellers_keep_their_own_positions(tmp_path):
    run = make_run(tmp_path / "run")
    ann, bob = _session(run, "ann"), _session(run, "bob")
    ann.act("1")
    ann.act("1")
    bob.act("2")
    assert _session(run, "ann").current().done == 2 and _session(run, "bob").current().done == 1
    labels = _labels(run)
    assert sorted((x.labeller, x.draw) for x in labels.labels) == [("ann", 0), ("ann", 1), ("bob", 0)]


def test_a_stale_page_cannot_answer_a_pair_twice(tmp_path):
    run = make_run(tmp_path / "run")
    s = _session(run)
    draw = s.current().draw
    s.act("1", draw)
    assert s.act("1", draw) == "that pair was already answered"
    assert len(label_rows(run.report_dir)) == 1


def test_resuming_with_another_plan_is_refused(tmp_path):
    run = make_run(tmp_path / "run")
    _session(run).act("1")
    with pytest.raises(JuryError, match="labelled this run with --strategy uniform --seed 0"):
        _session(run, seed=1)
    _session(run, "bob", seed=1).act("1")  # another labeller may follow another plan


def test_disagreement_rows_record_each_labels_place_in_the_stratified_plan(tmp_path):
    run = make_run(tmp_path / "run", n_single=4, n_two_turn=2)
    s = _session(run, strategy="disagreement", sample=4)
    for _ in range(4):
        s.act("1")
    rows = label_rows(run.report_dir)
    plan = s.plan.labels
    assert [r["draw"] for r in rows] == [0, 1, 2, 3]
    for r in rows:
        planned = plan[r["draw"]]
        assert r["unit_id"] == run.units[planned.unit].unit_id
        assert (r["stratum"], r["stratum_size"], r["stratum_position"]) == (
            planned.stratum, planned.stratum_size, planned.stratum_position)  # fmt: skip
        assert r["inclusion_probability"] == pytest.approx((planned.stratum_position + 1) / planned.stratum_size)


def test_undo_then_relabel_keeps_both_rows_and_the_latest_counts(tmp_path):
    run = make_run(tmp_path / "run", n_single=4, n_two_turn=2)
    s = _session(run, strategy="disagreement", sample=3)
    s.act("1")
    s.act("1")
    s.act("u")
    n = len(label_rows(run.report_dir))
    s.act("0")
    assert len(label_rows(run.report_dir)) == n + 1  # appended, never rewritten
    latest = {x.draw: x.winner for x in _labels(run).labels}
    assert latest[1] is Preference.TIE and len(latest) == 2


def test_each_answer_is_synced_to_disk_before_the_next_pair(tmp_path, monkeypatch):
    run = make_run(tmp_path / "run")
    s = _session(run)
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    s.act("1")
    s.act("u")
    assert len(synced) >= 2


def test_a_torn_last_line_is_refused_before_appending(tmp_path):
    run = make_run(tmp_path / "run")
    s = _session(run)
    s.act("1")
    path = run.report_dir / LABELS_FILE
    path.write_bytes(path.read_bytes()[:-20])
    torn = path.read_bytes()
    with pytest.raises(JuryError, match="incomplete"):
        s.act("1")
    assert path.read_bytes() == torn


def test_one_labeller_cannot_run_two_sessions_on_a_run(tmp_path):
    path = tmp_path / LABELS_FILE
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from jury.labels.log import labeller_lock\n"
         f"with labeller_lock(Path({str(path)!r}), 'ann'):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(JuryError, match="'ann' is already labelling this run"), labeller_lock(path, "ann"):
            pass
        with labeller_lock(path, "bob"):
            pass
    finally:
        holder.kill()
        holder.wait()
