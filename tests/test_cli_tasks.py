"""`jury tasks list|show` and `jury validate`, through typer's CliRunner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError

from .helpers import ROWS, write_panel, write_task


def _invoke(*args: str):
    return CliRunner().invoke(cli.app, list(args), standalone_mode=False, catch_exceptions=False, terminal_width=200)


def test_tasks_list_shows_builtins_and_local_tasks(workdir):
    write_task(workdir / "tasks" / "mine", ROWS, name="mine")
    out = _invoke("tasks", "list").output
    for name in ("jury_demo", "jury_qa", "jury_two_turn"):
        assert name in out
    mine = next(line for line in out.splitlines() if " mine " in line)
    assert "local" in mine


def test_tasks_show_prints_counts_and_items(workdir):
    out = _invoke("tasks", "show", "jury_qa", "--items", "2").output
    assert "10 items (0 multi-turn)" in out and "baseline jury-qa-baseline" in out
    assert "- qa-legs-spider: How many legs does a spider have?" in out
    assert "- qa-freezing:" in out and "qa-largest-ocean" not in out


def test_validate_accepts_tasks_data_files_and_panels(workdir):
    panel = write_panel(workdir / "panels", [{"name": "j", "model": "scripted/j", "strategy": "pointwise_probe"}])
    assert "ok: panel 'test' (1 judges: j (scripted/j, pointwise_probe))" in _invoke("validate", str(panel)).output
    task = write_task(workdir / "t", ROWS)
    assert "ok: task 'mini' (4 items, lm_eval format)" in _invoke("validate", str(task)).output
    assert "ok: task 'mini' (4 items, jsonl format)" in _invoke("validate", str(workdir / "t" / "mini.jsonl")).output


def test_validate_refuses_bad_files_precisely(workdir):
    panel = write_panel(workdir / "panels", [{"name": "j", "model": "scripted/j", "strategy": "pointwise_probe"}])
    panel.write_text(panel.read_text() + "mode: jury\n")
    with pytest.raises(JuryError, match=r"test\.yaml:\d+: duplicate key 'mode' \(first on line 2\)"):
        _invoke("validate", str(panel))
    other = workdir / "other.yaml"
    other.write_text("name: x\n")
    with pytest.raises(JuryError, match=r"other\.yaml: expected a mapping with a 'task' key"):
        _invoke("validate", str(other))
    with pytest.raises(JuryError, match=r"nope\.yaml: file not found"):
        _invoke("validate", "nope.yaml")
