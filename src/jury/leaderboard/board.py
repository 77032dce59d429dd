"""A board folder: board.yaml (task, baseline, panel), submissions/ (every file ever submitted, never
deleted), results/<run-id>/ (each judged submission's full report) and submissions.jsonl, an
append-only log whose last line per model is that model's current entry. Re-submitting needs
--replace and only appends, so the history stays in the folder (and in git)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jury.errors import JuryError
from jury.io.imported import match_outputs
from jury.io.outputs import read_output_rows
from jury.io.rows import Row, read_json_rows
from jury.io.schema import STRICT, Text, validate
from jury.io.strict_yaml import load_yaml_document
from jury.records import Item
from jury.report.files import write_report
from jury.results.failures import failure_problem
from jury.results.run_result import RunResult
from jury.tasks.loader import load_task
from jury.workflows.judging import ProgressSink
from jury.workflows.pipeline import RunConfig, run

BOARD_FILE = "board.yaml"
LOG_FILE = "submissions.jsonl"
_MAX_NAME = 100


class BoardFile(BaseModel):
    """board.yaml, strictly (jury.io.schema): `seed: abc` or `name: null` is refused, not coerced."""

    model_config = STRICT

    name: Text
    task: Text  # a task name, or a path relative to the board folder
    panel: Text
    description: str | None = None
    baseline_outputs: Text | None = None
    baseline_name: Text | None = None
    seed: int = 0


@dataclass(frozen=True)
class Board:
    folder: Path
    name: str
    task: str  # a built-in task name, or a path relative to the board folder
    panel: str
    baseline_outputs: Path | None
    baseline_name: str | None
    seed: int = 0
    description: str = ""


_ENTRY_FIELDS = ("model", "run_id", "submission", "submitted_at", "replaces")


@dataclass(frozen=True)
class Entry:
    model: str
    run_id: str
    submission: str  # path of the stored outputs file, relative to the board folder
    submitted_at: str
    replaces: str | None  # run id of the entry this one replaced


def _relative(folder: Path, value: str) -> str:
    """Paths in board.yaml are relative to the board, so a cloned board works anywhere."""
    path = folder / value
    try:
        return str(path) if path.exists() else value
    except OSError:  # a name too long for the file system is no file of the board's
        return value


def load_board(name_or_path: str | Path) -> Board:
    folder = Path(name_or_path)
    if not (folder / BOARD_FILE).is_file() and (Path("boards") / str(name_or_path) / BOARD_FILE).is_file():
        folder = Path("boards") / str(name_or_path)
    where = str(folder / BOARD_FILE)
    if not (folder / BOARD_FILE).is_file():
        raise JuryError("no board here", where=where, fix="create board.yaml with name, task, panel (see README)")
    data = validate(BoardFile, load_yaml_document(folder / BOARD_FILE))
    return Board(
        folder=folder,
        name=data.name,
        task=_relative(folder, data.task),
        panel=_relative(folder, data.panel),
        baseline_outputs=folder / data.baseline_outputs if data.baseline_outputs else None,
        baseline_name=data.baseline_name,
        seed=data.seed,
        description=data.description or "",
    )


def _entry(row: Row) -> Entry:
    """One line of submissions.jsonl, checked: the log names run folders, so a damaged line is refused
    with its line number rather than read as some other folder."""
    unknown = sorted(set(row.data) - set(_ENTRY_FIELDS))
    if unknown:
        raise JuryError(f"unknown field '{unknown[0]}'", where=row.where, fix=f"fields: {', '.join(_ENTRY_FIELDS)}")
    values = {}
    for name in _ENTRY_FIELDS:
        value = row.data.get(name)
        if value is None and name == "replaces":
            values[name] = None
            continue
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else type(value).__name__
            raise JuryError(f"field '{name}' must be non-empty text, got {got}", where=row.where)
        values[name] = value
    run_id = values["run_id"]
    if run_id in (".", "..") or any(c in run_id for c in "/\\\x00"):
        raise JuryError(f"run id {run_id!r} is not a folder name", where=row.where)
    return Entry(**values)  # type: ignore[arg-type]


def history(board: Board) -> list[Entry]:
    path = board.folder / LOG_FILE
    if not path.is_file() or not path.read_bytes().strip():
        return []
    return [_entry(row) for row in read_json_rows(path)]


def current_entries(board: Board) -> dict[str, Entry]:
    """The latest entry per model, in first-submission order."""
    current: dict[str, Entry] = {}
    for entry in history(board):
        current[entry.model] = entry
    return current


def check_submission(outputs: Path, items: tuple[Item, ...]) -> None:
    """A board submission answers exactly the board's items: a bad format, a duplicate, a missing item
    or a row for an item the board does not have (a file for another task or version) is refused."""
    match_outputs(read_output_rows(outputs), items, outputs)


def _check_model_name(board: Board, model: str, replace: bool, baseline: str) -> Entry | None:
    if not model.strip() or len(model) > _MAX_NAME or any(not c.isprintable() for c in model):
        raise JuryError(f"invalid model name {model!r}", fix=f"use 1-{_MAX_NAME} printable characters")
    if model == baseline:
        raise JuryError(f"'{model}' is the board's baseline", fix="submit under another --model name")
    previous = current_entries(board).get(model)
    if previous is not None and not replace:
        raise JuryError(
            f"model '{model}' is already on board '{board.name}' (run {previous.run_id})",
            fix="pass --replace to judge the new file instead (the old entry stays in the history)",
        )
    return previous


def _config(board: Board, outputs: Path, model: str, store: Path | None) -> RunConfig:
    return RunConfig(
        task=board.task,
        panel=board.panel,
        baseline_outputs=board.baseline_outputs,
        baseline_name=board.baseline_name,
        candidate_outputs=outputs,
        candidate_name=model,
        reports_dir=board.folder / "results",
        store=store,
        seed=board.seed,
    )


def submit(
    board: Board,
    outputs: Path,
    model: str,
    *,
    replace: bool = False,
    store: Path | None = None,
    progress: ProgressSink | None = None,
) -> tuple[Entry, RunResult]:
    """Validate fully (format, ids, every item answered, name free) before copying or judging anything."""
    task = load_task(board.task)
    check_submission(outputs, task.items)
    baseline = board.baseline_name or task.baseline_name or "baseline"
    if board.baseline_outputs is not None:
        baseline = board.baseline_name or board.baseline_outputs.stem
    previous = _check_model_name(board, model, replace, baseline)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)[:60]
    stored = board.folder / "submissions" / f"{slug}-{stamp}{''.join(outputs.suffixes[-1:])}"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(outputs, stored)
    result = run(_config(board, stored, model, store), progress)
    write_report(result)
    if result.status != "complete":  # a partial run is reported in its folder but never ranked
        raise JuryError(
            f"the submission's run stopped before every item was judged ({result.status})",
            where=str(result.report_dir),
            fix="submit again (finished calls are stored)",
        )
    # a board compares models on the same items: a run that lost any verdict to a failed call is not ranked
    problem = failure_problem(result.judgments, result.votes, max_failed=0.0)
    if problem:
        raise JuryError(
            f"the submission was not ranked: {problem}",
            where=str(result.report_dir),
            fix="submit again: finished calls are stored and only the failed ones are made again",
        )
    entry = Entry(
        model=model,
        run_id=result.run_id,
        submission=str(stored.relative_to(board.folder)),
        submitted_at=datetime.now(UTC).isoformat(),
        replaces=previous.run_id if previous else None,
    )
    with (board.folder / LOG_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(_entry_json(entry), ensure_ascii=False) + "\n")
    return entry, result


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in _ENTRY_FIELDS}
