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

from jury.errors import JuryError
from jury.io.imported import match_outputs
from jury.io.outputs import read_output_rows
from jury.io.rows import Row, read_json_rows
from jury.records import Item
from jury.report.files import write_report
from jury.results.failures import failure_problem
from jury.results.run_result import RunResult
from jury.tasks.loader import load_task
from jury.workflows.judging import ProgressSink
from jury.workflows.pipeline import RunConfig, run

BOARD_FILE = "board.yaml"
LOG_FILE = "submissions.jsonl"
_KEYS = {"name", "description", "task", "panel", "baseline_outputs", "baseline_name", "seed"}
_REQUIRED = {"name", "task", "panel"}
_MAX_NAME = 100


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


def _text(data: dict[Any, Any], key: str, where: str, *, default: str | None = None) -> str | None:
    """A text value of board.yaml (`default` when the key is absent or null), non-empty unless it is
    the description; never coerced from another type."""
    value = data.get(key)
    if value is None and key not in _REQUIRED:
        return default
    if not isinstance(value, str) or not (value.strip() or key == "description") or "\x00" in value:
        got = "nothing" if value is None else repr(value)[:60] if isinstance(value, str) else type(value).__name__
        raise JuryError(f"'{key}' must be non-empty text, got {got}", where=where)
    return value


def load_board(name_or_path: str | Path) -> Board:
    from jury.io.strict_yaml import load_yaml

    folder = Path(name_or_path)
    if not (folder / BOARD_FILE).is_file() and (Path("boards") / str(name_or_path) / BOARD_FILE).is_file():
        folder = Path("boards") / str(name_or_path)
    where = str(folder / BOARD_FILE)
    if not (folder / BOARD_FILE).is_file():
        raise JuryError("no board here", where=where, fix="create board.yaml with name, task, panel (see README)")
    data = load_yaml(folder / BOARD_FILE)
    if not isinstance(data, dict):
        raise JuryError("board.yaml must be a mapping", where=where)
    unknown, missing = sorted(map(str, set(data) - _KEYS)), sorted(_REQUIRED - set(data))
    if unknown or missing:
        raise JuryError(
            f"unknown key '{unknown[0]}'" if unknown else f"missing key '{missing[0]}'",
            where=where,
            fix=f"allowed keys: {', '.join(sorted(_KEYS))}",
        )
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise JuryError(f"'seed' must be a whole number, got {repr(seed)[:40]}", where=where)
    base = _text(data, "baseline_outputs", where)
    return Board(
        folder=folder,
        name=str(_text(data, "name", where)),
        task=_relative(folder, str(_text(data, "task", where))),
        panel=_relative(folder, str(_text(data, "panel", where))),
        baseline_outputs=folder / base if base else None,
        baseline_name=_text(data, "baseline_name", where),
        seed=seed,
        description=str(_text(data, "description", where, default="")),
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
    """Stricter than `jury run`: a board submission answers exactly the board's items, so a row that
    matches no item (a file for another task or version) is refused rather than ignored."""
    rows = read_output_rows(outputs)
    matched = match_outputs(rows, items, outputs)  # raises on a bad format, duplicates, missing items
    if len(rows) > len(matched.texts):
        known = {i.item_id for i in items}
        extra = [r.item_id or r.instruction or r.where for r in rows if r.item_id not in known]
        raise JuryError(
            f"{len(rows) - len(matched.texts)} row(s) match no item of the board's task, e.g. {extra[0]!r}",
            where=str(outputs),
            fix="submit exactly one output per board item",
        )


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
