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
    "unknown ids": (
        b'{"id": "q1", "output": "a"}\n{"id": "zz", "output": "b"}\n',
        r"no output for 3 task item\(s\): q2, q3, q4 \(of 4\); rows matching no item: zz",
    ),
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
def items(tmp_path_factory):
    return load_task(str(write_task(tmp_path_factory.mktemp("t"), ROWS))).items


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
def test_bad_outputs_file_is_a_precise_error(tmp_path, items, case):
    content, message = BAD_OUTPUTS[case]
    path = tmp_path / "out.jsonl"
    path.write_bytes(content)
    with pytest.raises(JuryError, match=message) as info:
        load_outputs_file(path, items)
    assert "\n" not in info.value.one_line()
    assert len(info.value.one_line()) < 400  # never echoes the file's content


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


def test_empty_turn_in_a_multi_turn_output_is_an_error(tmp_path):
    from jury.records import Item

    items = (Item("t", "1", "Q1", turns=("Q1", "Q2")),)
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"question_id": 1, "model_id": "m", "choices": [{"turns": ["ok", " "]}]}) + "\n")
    with pytest.raises(JuryError, match=r"a\.jsonl:1: turn 2 of the output for item '1' is empty"):
        load_outputs_file(path, items)


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
