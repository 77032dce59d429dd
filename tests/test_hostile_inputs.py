"""Hostile input: every bad file is one clear line naming the file, line or field, and the fix;
the CLI exits 1 without a traceback and leaves the store as it was."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from jury import cli
from jury.errors import JuryError
from jury.io.outputs import load_outputs_file
from jury.io.rows import MAX_LINE_BYTES
from jury.store import CallStore
from jury.tasks import load_task

from .helpers import ROWS, write_task

TEN_MB_LINE = '{"id": "q1", "output": "' + "x" * (10 * 2**20) + '"}\n'

# name -> (file bytes, expected message regex). The file is always called out.jsonl.
BAD_OUTPUTS: dict[str, tuple[bytes, str]] = {
    "truncated JSON": (
        b'{"id": "q1", "output": "a"}\n{"id": "q2", "outp',
        r"out\.jsonl:2: invalid JSON: .*the file looks truncated",
    ),
    "truncated JSON list": (b'[{"id": "q1", "output": "a"},\n {"id": "q2"', r"out\.jsonl:2: invalid JSON"),
    "wrong type": (b'{"id": "q1", "output": ["a"]}\n', r"out\.jsonl:1: field 'output' must be text, got list"),
    "row not an object": (b'"q1"\n', r"out\.jsonl:1: expected a JSON object, got str"),
    "list of non-objects": (b'["q1", "a"]', r"out\.jsonl\[0\]: expected a JSON object, got str"),
    "missing ids": (b'{"output": "a"}\n', r"out\.jsonl:1: row has neither an id nor an instruction"),
    "duplicate ids": (
        b'{"id": "q1", "output": "a"}\n{"id": "q1", "output": "b"}\n',
        r"out\.jsonl:2: duplicate output for item 'q1' \(first at .*out\.jsonl:1\)",
    ),
    # every item answered, and one row more: refused on its own, not as a side effect of missing items
    "unknown ids": (
        b"".join(b'{"id": "q%d", "output": "a"}\n' % n for n in range(1, 5)) + b'{"id": "zz", "output": "b"}\n',
        r"out\.jsonl:5: the row for id 'zz' matches no item of the task",
    ),
    "unknown ids while items go unanswered": (
        b'{"id": "q1", "output": "a"}\n{"id": "zz", "output": "b"}\n',
        r"no output for 3 task item\(s\): q2, q3, q4 \(of 4\); rows matching no item: zz",
    ),
    "null output": (b'{"id": "q1", "output": null}\n', r"out\.jsonl:1: field 'output' is null"),
    "no output field": (b'{"id": "q1", "answer": "a"}\n', r"out\.jsonl:1: no 'output' column"),
    "10 MB single line": (TEN_MB_LINE.encode(), r"out\.jsonl:1: line is 10\.5 MB long \(limit 4 MB\)"),
    "non-UTF-8 bytes": (
        b'{"id": "q1", "output": "a"}\n{"id": "q2", "output": "caf\xe9"}\n',
        r"out\.jsonl:2: not UTF-8",
    ),
    "empty file": (b"\n  \n", r"out\.jsonl: the file is empty"),
    "pretty-printed object": (b'{\n  "id": "q1",\n  "output": "a"\n}\n', r"out\.jsonl:1: .*pretty-printed JSON"),
    "duplicate field": (b'{"id": "q1", "output": "a", "output": "b"}\n', r"out\.jsonl:1: field 'output' appears twice"),
    "empty JSON list": (b"[]", r"out\.jsonl: the JSON list is empty"),
}


@pytest.fixture(scope="module")
def task_file(tmp_path_factory):
    return str(write_task(tmp_path_factory.mktemp("t"), ROWS))


@pytest.fixture(scope="module")
def items(task_file):
    return load_task(task_file).items


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
def test_bad_outputs_file_is_a_precise_error(tmp_path, items, case):
    content, message = BAD_OUTPUTS[case]
    path = tmp_path / "out.jsonl"
    path.write_bytes(content)
    with pytest.raises(JuryError, match=message) as info:
        load_outputs_file(path, items)
    assert "\n" not in info.value.one_line()
    assert len(info.value.one_line()) < 400  # never echoes the file's content


def _answers(path, ids):
    path.write_text("".join(json.dumps({"id": i, "output": f"answer {i}"}) + "\n" for i in ids))
    return path


def test_rows_for_items_left_out_by_limit_are_not_unknown_ids(tmp_path, task_file):
    """`--limit 2` judges q1 and q2; the file's q3 and q4 rows are the task's, so they are set aside."""
    task = load_task(task_file, limit=2)
    assert [i.item_id for i in task.items] == ["q1", "q2"]
    assert [i.item_id for i in task.left_out] == ["q3", "q4"]
    every = _answers(tmp_path / "every.jsonl", ["q1", "q2", "q3", "q4"])
    assert load_outputs_file(every, task.items, left_out=task.left_out).texts == {"q1": "answer q1", "q2": "answer q2"}
    unknown = _answers(tmp_path / "unknown.jsonl", ["q1", "q2", "q3", "q4", "q5"])
    with pytest.raises(JuryError, match=r"unknown\.jsonl:5: the row for id 'q5' matches no item of the task"):
        load_outputs_file(unknown, task.items, left_out=task.left_out)
    twice = _answers(tmp_path / "twice.jsonl", ["q1", "q2", "q4", "q4"])  # a left-out item is still checked
    with pytest.raises(JuryError, match=r"twice\.jsonl:4: duplicate output for item 'q4'"):
        load_outputs_file(twice, task.items, left_out=task.left_out, allow_partial=True)


def test_allow_partial_drops_missing_items_but_not_unknown_ids(tmp_path, items):
    path = _answers(tmp_path / "out.jsonl", ["q1", "zz", "yy"])
    unknown = r"out\.jsonl:2: the row for id 'zz' matches no item of the task \(2 such rows\)"
    with pytest.raises(JuryError, match=unknown):
        load_outputs_file(path, items, allow_partial=True)


def test_long_line_limit_is_above_any_real_answer():
    assert MAX_LINE_BYTES >= 2**20


def test_partial_outputs_are_explicit(tmp_path, items):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "q1", "output": "a"}\n{"instruction": "Opposite of up?", "output": "c"}\n')
    got = load_outputs_file(path, items, allow_partial=True)
    assert got.texts == {"q1": "a", "q3": "c"}
    assert got.missing == ("q2", "q4")


def test_crlf_bom_and_line_separator_inside_text_are_read(tmp_path, items):
    path = tmp_path / "out.jsonl"
    rows = [{"id": r["id"], "output": f"line\u2028{r['id']}"} for r in ROWS]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode())
    assert load_outputs_file(path, items).texts["q4"] == "line\u2028q4"


# --- task YAML ------------------------------------------------------------------------------


def _yaml_task(tmp_path, extra: str) -> str:
    path = write_task(tmp_path, ROWS)
    path.write_text(path.read_text() + extra)
    return str(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('doc_to_text: "{{reference}}"\n', r"mini\.yaml:19: duplicate key 'doc_to_text' \(first on line 8\)"),
        ("doc_to_txt: x\n", r"mini\.yaml:19: unknown key 'doc_to_txt' \(did you mean 'doc_to_text'\?\)"),
        ("    baseline_feld: x\n", r"metadata\.jury: unknown key 'baseline_feld' \(did you mean 'baseline_field'\?\)"),
        ("  jury:\n    id_field: id\n", r"duplicate key 'jury'"),
        ("task: [unclosed\n", r"mini\.yaml:20: not valid YAML"),
    ],
)
def test_bad_task_yaml(tmp_path, extra, message):
    with pytest.raises(JuryError, match=message):
        load_task(_yaml_task(tmp_path, extra))


def test_missing_id_field_in_task_rows(tmp_path):
    path = write_task(tmp_path, [ROWS[0], {k: v for k, v in ROWS[1].items() if k != "id"}])
    with pytest.raises(JuryError, match=r"row 2 has no 'id' field \(metadata\.jury\.id_field\)"):
        load_task(str(path))


# --- through the CLI ------------------------------------------------------------------------


def _store_digest(workdir) -> str:
    return hashlib.sha256((workdir / ".jury" / "cache.sqlite").read_bytes()).hexdigest()


@pytest.fixture()
def cli_setup(workdir):
    """A task, and a store that already holds state, so 'untouched' is checked byte for byte."""
    task = write_task(workdir / "tasks", ROWS)
    (workdir / ".jury").mkdir()
    store = CallStore(workdir / ".jury" / "cache.sqlite")
    store.put("k", "m", {"q": 1}, {"text": "earlier reply"})
    store.close()
    return task, _store_digest(workdir)


@pytest.mark.parametrize(
    "case",
    [
        "truncated JSON",
        "wrong type",
        "missing ids",
        "duplicate ids",
        "empty file",
        "non-UTF-8 bytes",
        "10 MB single line",
    ],
)
def test_cli_main_prints_one_line_and_exits_1(cli_setup, workdir, capsys, monkeypatch, case):
    """The real entry point (`cli.main`), in-process to keep the suite fast."""
    task, digest = cli_setup
    (workdir / "out.jsonl").write_bytes(BAD_OUTPUTS[case][0])
    monkeypatch.setattr(sys, "argv", ["jury", "run", "--task", str(task), "--candidate-outputs", "out.jsonl"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.strip().startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "out.jsonl" in err and "Traceback" not in err
    assert _store_digest(workdir) == digest
    assert not (workdir / "reports").exists()


@pytest.mark.parametrize("case", ["truncated JSON", "non-UTF-8 bytes"])
def test_subprocess_cli_error_is_one_line(cli_setup, workdir, case):
    task, digest = cli_setup
    (workdir / "base.jsonl").write_bytes(BAD_OUTPUTS[case][0])
    result = subprocess.run(
        [sys.executable, "-m", "jury", "run", "--task", str(task), "--baseline-outputs", "base.jsonl"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: ") and "base.jsonl:2:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stdout + result.stderr
    assert _store_digest(workdir) == digest


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"id": "q1", "instruction": "a", "reference": "b", "baseline": "c"}\n{"id": "q2", "instr',
            r"mini\.jsonl:2: invalid JSON",
        ),
        (b'{"id": "q1", "instruction": "a\xff"}\n', r"mini\.jsonl:1: not UTF-8"),
        (b'{"id": "q1", "id": "q2", "instruction": "a"}\n', r"mini\.jsonl:1: field 'id' appears twice"),
    ],
)
def test_bad_task_data_names_the_data_file_and_line(tmp_path, data, message):
    path = write_task(tmp_path, ROWS)
    (tmp_path / "mini.jsonl").write_bytes(data)
    with pytest.raises(JuryError, match=message):
        load_task(str(path))


ARENA_EMPTY = [{"role": "user", "content": "What is 1+1?"}, {"role": "assistant", "content": {"answer": ""}}]
EMPTY_ANSWERS = {  # one file per format, each answering q1 with an empty string
    "jsonl": ("out.jsonl", '{"id": "q1", "output": ""}\n'),
    "csv": ("out.csv", "id,output\nq1,\n"),
    "alpaca_eval": ("out.json", json.dumps([{"instruction": "What is 1+1?", "output": "", "generator": "m"}])),
    "arena_hard": ("out.jsonl", json.dumps({"uid": "q1", "model": "m", "messages": ARENA_EMPTY})),
    "mt_bench": ("out.jsonl", json.dumps({"question_id": "q1", "model_id": "m", "choices": [{"turns": [""]}]})),
}


@pytest.mark.parametrize("fmt", EMPTY_ANSWERS)
def test_an_empty_answer_is_an_answer_in_every_format(tmp_path, items, fmt):
    name, text = EMPTY_ANSWERS[fmt]
    (tmp_path / name).write_text(text)
    got = load_outputs_file(tmp_path / name, items[:1])
    assert got.texts == {"q1": ""} and got.turns == {"q1": ("",)}


def test_an_empty_turn_of_a_multi_turn_output_is_an_answer(tmp_path):
    from jury.records import Item

    items = (Item("t", "1", "Q1", turns=("Q1", "Q2")),)
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"question_id": 1, "model_id": "m", "choices": [{"turns": ["ok", ""]}]}) + "\n")
    assert load_outputs_file(path, items).turns == {"1": ("ok", "")}


# --- CSV quoting ----------------------------------------------------------------------------

CSV_HEADER = "id,instruction,output\n"
CSV_ROWS = ["q1,What is 1+1?,2\n", "q3,Opposite of up?,down\n", "q4,Colour of grass?,green\n"]


@pytest.mark.parametrize(
    ("stray", "message"),
    [
        ('q2,Capital of Italy?,"Rome\n', r"rows\.csv:3: a quoted field is never closed \(a stray '\"'"),
        # closed, too late, by a later field's quote: the text after it is not a delimiter
        ('q2,Capital of Italy?,"Rome\nq5,"Five",5\n', r"rows\.csv:3: malformed CSV: ',' expected after '\"'"),
    ],
)
def test_a_stray_quote_in_a_csv_is_refused_with_its_line(tmp_path, items, stray, message):
    """A lenient reader makes one field of everything after the stray quote: the 4-row file read as 2 rows,
    the second one's last cell holding the rest of the file, and no error."""
    path = tmp_path / "rows.csv"
    path.write_text(CSV_HEADER + CSV_ROWS[0] + stray + "".join(CSV_ROWS[1:]))
    for read in (lambda: load_task(str(path)), lambda: load_outputs_file(path, items)):
        with pytest.raises(JuryError, match=message) as info:
            read()
        assert "\n" not in info.value.one_line() and len(info.value.one_line()) < 300


def test_quoted_fields_over_several_lines_still_read_and_name_their_first_line(tmp_path, items):
    path = tmp_path / "rows.csv"
    quoted = 'q2,Capital of Italy?,"Rome, ""the capital""\nsince 1871"\n'
    path.write_text(CSV_HEADER + CSV_ROWS[0] + quoted + "\n" + "".join(CSV_ROWS[1:]))
    task = load_task(str(path))
    assert [i.item_id for i in task.items] == ["q1", "q2", "q3", "q4"]
    assert load_outputs_file(path, items).texts["q2"] == 'Rome, "the capital"\nsince 1871'
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + CSV_ROWS[0] + quoted + "q3,Opposite of up?\n")
    with pytest.raises(JuryError, match=r"bad\.csv:5: row has fewer cells than the header"):
        load_task(str(bad))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"uid": "a", "prompt": 5}], r"q\.jsonl:1: field 'prompt' must be text, got int"),
        ([{"uid": "a", "prompt": "x"}, {"uid": "a", "prompt": "y"}], r"duplicate item id 'a' \(rows 1 and 2\)"),
        ([{"question_id": 1, "turns": "just text"}], r"q\.jsonl:1: field 'turns' must be a non-empty list of strings"),
        (
            [{"question_id": [1], "turns": ["x"]}],
            r"q\.jsonl:1: field 'question_id' must be text or an integer, got list",
        ),
        ([{"id": "a", "question": "x"}], r"q\.jsonl:1: no 'prompt' column .*--columns prompt=COLUMN"),
    ],
)
def test_bad_native_task_files(tmp_path, rows, message):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(JuryError, match=message):
        load_task(str(path))


def test_instruction_shared_by_two_items_is_ambiguous(tmp_path):
    from jury.records import Item

    items = (Item("t", "a", "Same?"), Item("t", "b", "Same?"))
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps({"instruction": "Same?", "output": "x"}) + "\n")
    with pytest.raises(JuryError, match=r"o\.jsonl:1: the instruction 'Same\?' matches 2 items \(a, b\)"):
        load_outputs_file(path, items)


def test_unmatched_rows_are_quoted_on_one_line(tmp_path, items):
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps({"instruction": "multi\nline\n" + "y" * 500, "output": "x"}) + "\n")
    with pytest.raises(JuryError) as info:
        load_outputs_file(path, items)
    assert "rows matching no item: multi line yyy" in str(info.value) and "\n" not in str(info.value)
    assert len(str(info.value)) < 400


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("doc_to_text: x\n", "duplicate key 'doc_to_text'"), ("max_gen_toks: 5\n", "unknown key 'max_gen_toks'")],
)
def test_cli_main_refuses_bad_task_yaml(cli_setup, workdir, capsys, monkeypatch, extra, expected):
    task, digest = cli_setup
    task.write_text(task.read_text() + extra)
    monkeypatch.setattr(sys, "argv", ["jury", "run", "--task", str(task)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and len(err.splitlines()) == 1
    assert err.startswith(f"error: {task}:") and expected in err
    assert _store_digest(workdir) == digest
