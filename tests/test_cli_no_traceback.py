"""Every command, given its worst-case bad arguments, ends in a one-line JuryError or a usage error:
never another exception, which the user would see as a traceback.

The error policy: pure functions (stats/) raise ValueError on bad arguments; file readers and the CLI
turn every expected failure into a JuryError, which `jury`'s entry point prints as one line (exit 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError

BINARY = bytes(range(256)) * 4


def _files(root: Path) -> dict[str, Path]:
    """Hostile files of every kind a command reads."""
    root.mkdir(parents=True, exist_ok=True)
    made = {
        "binary": (root / "blob.jsonl", BINARY),
        "binary_yaml": (root / "blob.yaml", BINARY),
        "empty_jsonl": (root / "empty.jsonl", b""),
        "empty_yaml": (root / "empty.yaml", b""),
        "list_yaml": (root / "list.yaml", b"- a\n- b\n"),
        "json_list": (root / "list.json", b"[1, 2, 3]"),
        "scalar_json": (root / "scalar.jsonl", b"42\n"),
        "bad_json": (root / "bad.jsonl", b'{"id": 1, "output": \n'),
        "panel_judges_5": (root / "p5.yaml", b"name: x\nmode: jury\naggregation: {rule: majority}\njudges: 5\n"),
        "panel_bad_types": (root / "pbad.yaml", b"name: [1]\nmode: 3\naggregation: []\njudges: [7]\n"),
        "task_no_data": (root / "t.yaml", b"task: t\ndataset_path: json\ndataset_kwargs: {data_files: nope.jsonl}\n"),
        "csv_quote": (root / "q.csv", b'id,instruction\n1,"unterminated\n2,b\n'),
        "board_bad": (root / "board" / "board.yaml", b"name: [x\n"),
        "run_bad": (root / "run" / "run.json", b'{"version": 3, "status": "complete"}'),
        "run_garbage": (root / "run2" / "run.json", BINARY),
        "labels_bad": (root / "labels.jsonl", b'{"question": 1}\n'),
    }  # fmt: skip
    out = {}
    for name, (path, data) in made.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out[name] = path
    out["dir"] = root / "a_directory"
    out["dir"].mkdir(exist_ok=True)
    out["missing"] = root / "missing.jsonl"
    (root / "notes.txt").write_text("a file where a folder is expected")
    out["file_not_dir"] = root / "notes.txt"
    return out


def _cases(f: dict[str, Path]) -> list[list[str]]:
    s = {k: str(v) for k, v in f.items()}
    run_args = ["--candidate", "scripted/x", "--panel", "local"]
    tasks = ["binary", "empty_jsonl", "json_list", "scalar_json", "bad_json", "dir", "missing", "task_no_data"]
    tasks += ["csv_quote", "list_yaml", "binary_yaml", "empty_yaml"]
    panels = ["binary_yaml", "empty_yaml", "list_yaml", "panel_judges_5", "panel_bad_types", "dir", "missing"]
    checked = ["binary", "binary_yaml", "empty_yaml", "list_yaml", "dir", "missing", "task_no_data", "csv_quote"]
    checked += ["panel_judges_5"]
    probe_files = ["binary", "binary_yaml", "empty_yaml", "empty_jsonl", "json_list", "scalar_json", "bad_json"]
    probe_files += ["dir", "missing", "file_not_dir"]
    return [
        *(["run", "--task", s[k], *run_args] for k in tasks),
        *(["run", "--panel", s[k]] for k in panels),
        *(["judge", "--candidate-outputs", s[k]] for k in ("binary", "empty_jsonl", "json_list", "dir", "missing")),
        ["run", "--baseline-outputs", s["binary"], "--limit", "1"],
        ["run", "--columns", "nonsense", "--limit", "1"],
        ["run", "--columns", "id=", "--limit", "1"],
        ["run", "--store", s["file_not_dir"], "--limit", "1"],
        ["run", "--reports-dir", s["file_not_dir"], "--limit", "1", "--candidate-outputs", s["bad_json"]],
        ["estimate", "--panel", s["panel_bad_types"]],
        ["estimate", "--task", s["binary"]],
        *(["report", s[k]] for k in ("missing", "dir", "binary")),
        ["report", str(f["run_bad"].parent)],
        ["report", str(f["run_garbage"].parent)],
        ["compare", str(f["run_bad"].parent), str(f["run_garbage"].parent)],
        ["compare", s["missing"], s["dir"]],
        *(["agreement", s[k]] for k in ("binary", "empty_jsonl", "json_list", "scalar_json", "dir", "missing")),
        ["calibrate", "--panel", "local", "--labels", s["labels_bad"]],
        ["calibrate", "--panel", s["panel_bad_types"], "--labels", s["labels_bad"]],
        *(["calibrate", "--panel", "local", "--labels", s[k]] for k in ("binary", "empty_jsonl", "dir", "missing")),
        ["probe-injection", "--panel", s["binary_yaml"]],
        *(["probe-injection", "--panel", "local", "--probes", s[k]] for k in probe_files),
        *(["probe-injection", "--panel", "local", "--task", s[k]] for k in ("binary", "empty_jsonl", "dir", "missing")),
        ["probe-injection", "--panel", "local", "--limit", "2"],
        ["run", "--max-failed", "2", "--limit", "1"],
        *(["validate", s[k]] for k in checked),
        *(["tasks", "show", s[k]] for k in ("binary", "dir", "missing")),
        ["leaderboard", "show", str(f["board_bad"].parent)],
        ["leaderboard", "show", s["missing"]],
        ["leaderboard", "submit", "--board", str(f["board_bad"].parent), "--outputs", s["binary"], "--model", "m"],
    ]


def test_every_command_ends_bad_input_in_one_line_or_a_usage_error(workdir, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    files = _files(workdir / "hostile")
    cases = _cases(files)
    tracebacks = []
    for args in cases:
        result = CliRunner().invoke(cli.app, args)
        exc = result.exception
        if exc is None or isinstance(exc, JuryError):
            continue
        if isinstance(exc, SystemExit) and exc.code in (0, 1, 2):
            continue
        tracebacks.append(f"{' '.join(a.replace(str(workdir), '') for a in args)} -> {type(exc).__name__}: {exc}")
    assert tracebacks == [], "\n".join(tracebacks)
    assert len(cases) >= 60  # the list above is the contract: every command, many kinds of bad file


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"version": 3}', b'{"record_version": 2}'])
def test_one_line_names_the_run_file(workdir, damage):
    folder = workdir / "run"
    folder.mkdir()
    (folder / "run.json").write_bytes(damage)
    result = CliRunner().invoke(cli.app, ["report", str(folder)])
    assert isinstance(result.exception, JuryError)
    line = result.exception.one_line()
    assert "run.json" in line and "\n" not in line


def test_a_readable_record_is_not_a_false_alarm(workdir):
    """The hostile list is not hostile everywhere: a well-formed agreement file passes the same path."""
    good = workdir / "verdicts.jsonl"
    good.write_text("".join(json.dumps({"item_id": str(k), "judge": j, "verdict": "A"}) + "\n"
                            for k in range(3) for j in ("x", "y")))  # fmt: skip
    result = CliRunner().invoke(cli.app, ["agreement", str(good)])
    assert result.exit_code == 0, result.output
