"""What tests/test_fuzz_readers.py found, each shrunk to a small input and kept as a plain test. Most were
tracebacks (TypeError, KeyError, ValueError, AttributeError, RecursionError, UnicodeDecodeError); the rest
were read silently as something else (`seed: '3'` as 3, a name of null as "None", a run id `../..` as a
folder outside the board) or printed over two lines. Each is one JuryError line naming the file now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jury.errors import JuryError
from jury.io.rows import read_json_rows
from jury.io.strict_yaml import load_yaml
from jury.leaderboard.board import load_board
from jury.leaderboard.standings import standings
from jury.panel.spec import load_panel
from jury.results.runlog import load_run
from jury.tasks.loader import load_task

from .conftest import EXCERPTS
from .helpers import ROWS, write_panel, write_task
from .label_fixtures import make_run

DEEP = "[" * 100_000
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!float x", r"not valid YAML \(a value its type cannot hold"),
        ("a: !!timestamp x", r"not valid YAML \(a value its type cannot hold"),
        (f"a: {HUGE}", r"not valid YAML \(a value its type cannot hold.*4300 digits"),
        ("? [a]\n: b\n", r"y\.yaml:1: a list or mapping used as a key"),
        (f"a: {DEEP}", r"not valid YAML \(nested too deeply\)"),
        ("a: \x05", r"y\.yaml: not valid YAML \(unacceptable character #x0005: special characters are not allowed in"),
    ],
    ids=["!!float", "!!timestamp", "5000 digits", "list as key", "deep nesting", "control character"],
)
def test_yaml_python_cannot_hold_is_invalid_yaml(tmp_path, text, message):
    path = tmp_path / "y.yaml"
    path.write_text(text)
    with pytest.raises(JuryError, match=message) as info:
        load_yaml(path)
    assert len(info.value.one_line().splitlines()) == 1  # PyYAML's own message spans two lines


def test_a_line_break_quoted_from_a_file_stays_on_one_line():
    error = JuryError("unknown key 'a\nb\u2028c'", where="f.yaml", fix="one of\r\nx")
    assert error.one_line() == "f.yaml: unknown key 'a b c' (one of x)"
    assert str(error) == error.one_line()


def _board(tmp_path: Path, yaml: str = "name: b\ntask: t.yaml\npanel: p.yaml\n", log: str | None = None) -> Path:
    folder = tmp_path / "board"
    folder.mkdir()
    (folder / "board.yaml").write_text(yaml)
    if log is not None:
        (folder / "submissions.jsonl").write_bytes(log.encode("utf-8", "surrogateescape"))
    return folder


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("seed:\n", r"seed: expected a whole number, got null"),
        ("seed: '3'\n", r"seed: expected a whole number, got '3'"),
        ("seed: !!float x\n", r"not valid YAML"),
        ("baseline_name: [a]\n", r"baseline_name: expected text, got a list"),
        ("description: 7\n", r"description: expected text, got 7"),
        ("1: x\nzz: y\n", r"key 1 is not text"),
    ],
)
def test_board_yaml_values_of_another_type_are_refused(tmp_path, yaml, message):
    folder = _board(tmp_path, "name: b\ntask: t.yaml\npanel: p.yaml\n" + yaml)
    with pytest.raises(JuryError, match=message):
        load_board(folder)


def test_board_yaml_name_of_another_type_is_refused_not_coerced(tmp_path):
    with pytest.raises(JuryError, match=r"name: expected text, got null"):
        load_board(_board(tmp_path, "name:\ntask: t.yaml\npanel: p.yaml\n"))


ENTRY = {"model": "m", "run_id": "r1", "submission": "submissions/m.jsonl", "submitted_at": "t", "replaces": None}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1]", r"submissions\.jsonl\[0\]: expected a JSON object, got int"),
        ('{"model": "m", "run_id"', r"submissions\.jsonl:1: invalid JSON"),
        ("\udcff", r"submissions\.jsonl:1: not UTF-8"),
        (json.dumps({**ENTRY, "lodel": "m"}), r"submissions\.jsonl:1: unknown field 'lodel'"),
        (json.dumps({**ENTRY, "model": 1}), r"submissions\.jsonl:1: field 'model' must be non-empty text, got int"),
        (json.dumps({**ENTRY, "run_id": {}}), r"field 'run_id' must be non-empty text, got dict"),
        (json.dumps({**ENTRY, "run_id": "../../elsewhere"}), r"run id '\.\./\.\./elsewhere' is not a folder name"),
    ],
    ids=["list", "torn line", "not UTF-8", "unknown field", "model a number", "run id a mapping", "run id a path"],
)
def test_a_damaged_submissions_log_line_is_refused_with_its_line(tmp_path, line, message):
    board = load_board(_board(tmp_path, log=line + "\n"))
    with pytest.raises(JuryError, match=message):
        standings(board)


def _v3_run(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "run"
    make_run(folder, n_single=3)
    record = json.loads((folder / "run.json").read_text())
    edit(record)
    (folder / "run.json").write_text(json.dumps(record))
    return folder


def _drop_q2_output(record: dict) -> None:
    record["outputs"] = [o for o in record["outputs"] if o["item_id"] != "q2"]


def _pointwise_without_scores(record: dict) -> None:
    record["judgments"][0].update(order="pointwise", scores={"candidate": 0.9})


def _score_not_a_number(record: dict) -> None:
    record["judgments"][0]["scores"] = {"candidate": float("nan")}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_drop_q2_output, r"judgments\[2\] is of unit 'q2', but item 'q2' has no entry in outputs"),
        (_pointwise_without_scores, r"judgments\[0\]\.scores: missing key 'baseline'"),
        (_score_not_a_number, r"judgments\[0\] .*its 'candidate' score must be a finite number, got nan"),
        (lambda r: r["items"].append(r["items"][0]), r"item id 'q1' names both an item and a turn"),
        (lambda r: r["spec"]["panel"].update(tie_rule="uie"), r"spec\.panel\.tie_rule is 'uie', not one of"),
    ],
    ids=["judgment of an unanswered item", "pointwise without both scores", "score NaN", "item twice", "tie rule"],
)
def test_a_run_record_whose_judgments_do_not_fit_its_units_is_refused(tmp_path, edit, message):
    with pytest.raises(JuryError, match=r"run\.json: " + message):
        load_run(_v3_run(tmp_path, edit))


def _legacy(tmp_path: Path, run_edit=None, first_judgment=None) -> Path:  # type: ignore[no-untyped-def]
    """The version 2 run folder, with run.json changed by `run_edit` (in place) or the first line of
    judgments.jsonl replaced by `first_judgment(row)` (JSON text)."""
    folder = tmp_path / "legacy"
    shutil.copytree(EXCERPTS / "legacy_runs" / "v2_two_turn", folder)
    if run_edit is not None:
        record = json.loads((folder / "run.json").read_text())
        run_edit(record)
        (folder / "run.json").write_text(json.dumps(record))
    if first_judgment is not None:
        lines = (folder / "judgments.jsonl").read_text().splitlines()
        lines[0] = first_judgment(json.loads(lines[0]))
        (folder / "judgments.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize(
    ("first_judgment", "message"),
    [
        (lambda r: "null", r"expected a JSON object, got NoneType"),
        (lambda r: json.dumps({**r, "scores": None}), r"not a judgment: field 'scores'"),
        (lambda r: json.dumps({**r, "item_id": None}), r"not a judgment: field 'unit_id'"),
        (lambda r: json.dumps({**r, "usage": {"completion_tokens": None}}), r"not a .*'usage\.completion_tokens'"),
        (lambda r: json.dumps({**r, "usage": [1]}), r"not a judgment: TypeError: usage must be a mapping"),
    ],
    ids=["null row", "scores null", "unit null", "tokens null", "usage a list"],
)
def test_a_damaged_version_2_judgment_is_refused_with_its_line(tmp_path, first_judgment, message):
    with pytest.raises(JuryError, match=r"judgments\.jsonl:1: " + message):
        load_run(_legacy(tmp_path, first_judgment=first_judgment))


@pytest.mark.parametrize(
    ("run_edit", "message"),
    [
        (lambda r: r["config"].update(candidate={"a": 1}), r"the run record is damaged: field 'spec\.candidate'"),
        (lambda r: r["outputs"][0].update(text=True), r"the run record is damaged: field 'outputs\.0\.text'"),
        (lambda r: r["task"].update(items=[None]), r"cannot read the run record: TypeError"),
    ],
    ids=["candidate a mapping", "answer a boolean", "item null"],
)
def test_a_damaged_version_2_record_is_refused(tmp_path, run_edit, message):
    with pytest.raises(JuryError, match=r"run\.json: " + message):
        load_run(_legacy(tmp_path, run_edit=run_edit))


def test_a_run_record_nested_beyond_the_parser_is_refused(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "run.json").write_text(DEEP)
    with pytest.raises(JuryError, match=r"run\.json: cannot read the run record: maximum recursion depth"):
        load_run(folder)


# Found in io/rows.py, the JSON reader every JSONL file goes through.
@pytest.mark.parametrize("line", [DEEP, f'{{"id": {HUGE}}}'], ids=["100,000 nested lists", "5000-digit integer"])
def test_a_jsonl_line_beyond_the_parser_is_refused(tmp_path, line):
    path = tmp_path / "rows.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(JuryError, match=r"rows\.jsonl:1"):
        read_json_rows(path)


@pytest.mark.parametrize("line", ["max_tokens: abc", "max_tokens: .inf", "quorum: .inf"])
def test_a_panel_number_no_int_holds_is_refused(tmp_path, line):
    path = write_panel(tmp_path, [{"name": "j", "model": "scripted/j", "strategy": "pairwise"}])
    key = line.split(":")[0]
    anchor = "  tie_rule: tie\n" if key == "quorum" else "    prompt: pairwise.txt\n"
    path.write_text(path.read_text().replace(anchor, f"{anchor}{'  ' if key == 'quorum' else '    '}{line}\n"))
    with pytest.raises(JuryError, match=key):
        load_panel(str(path))


def test_a_prompt_file_that_is_not_utf8_is_refused(tmp_path):
    path = write_panel(tmp_path, [{"name": "j", "model": "scripted/j", "strategy": "pairwise"}])
    (tmp_path / "pairwise.txt").write_bytes(b"\x80")
    with pytest.raises(JuryError, match=r"pairwise\.txt|test\.yaml"):
        load_panel(str(path))


@pytest.mark.parametrize("value", ["", "1e999", ".inf", "abc"])
def test_a_max_gen_toks_no_int_holds_is_refused(tmp_path, value):
    path = write_task(tmp_path, ROWS)
    path.write_text(path.read_text().replace("max_gen_toks: 32", f"max_gen_toks: {value}"))
    with pytest.raises(JuryError, match=r"max_gen_toks"):
        load_task(str(path))


def test_generation_kwargs_that_are_no_mapping_are_refused(tmp_path):
    """`generation_kwargs: |` turns the block below it into one text, which lm-eval accepts."""
    path = write_task(tmp_path, ROWS)
    path.write_text(path.read_text().replace("generation_kwargs:\n", "generation_kwargs: |\n"))
    with pytest.raises(JuryError, match=r"generation_kwargs"):
        load_task(str(path))
