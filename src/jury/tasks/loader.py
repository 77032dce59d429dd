"""Load a task: an lm-eval YAML through lm-eval's own TaskManager, or a native file (AlpacaEval,
MT-Bench, Arena-Hard, plain JSONL/CSV, see formats.py), and turn it into Items.

jury's keys live under `metadata.jury` so that the same file stays a valid lm-eval task:
    id_field:        document field holding a stable item id (default: the row number)
    baseline_field:  document field holding the baseline answer (optional)
    baseline_name:   name under which those baseline answers are reported
    turns_field:     document field holding a list of user turns (multi-turn items, optional)
    description:     one line shown by `jury tasks list`
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.formats.plain import Columns
from jury.io.rows import read_json_rows
from jury.io.schema import validate
from jury.io.strict_yaml import load_yaml_document
from jury.paths import resolve_named_file
from jury.records import Item
from jury.tasks.formats import read_task_items
from jury.tasks.task_file import JuryKeys, TaskFile, check_baseline, check_id
from jury.turns import answer_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    path: Path
    items: tuple[Item, ...]
    baseline_name: str | None
    max_tokens: int
    description: str = ""
    format: str = "lm_eval"
    # The source's items this run does not judge (beyond --limit; instructions only one outputs file
    # has): an outputs row answering one of them is set aside, not refused as an unknown id.
    left_out: tuple[Item, ...] = ()


# Keys lm-eval's task loader reads itself, besides TaskConfig's fields.
LM_EVAL_LOADER_KEYS = frozenset({"include", "group", "class"})
NATIVE_MAX_TOKENS = 1024


def resolve_task_path(name_or_path: str) -> Path:
    return resolve_named_file(name_or_path, "tasks", (".yaml", ".yml"))


def _lm_eval_keys() -> frozenset[str]:
    """Read from the installed lm-eval, so a newer lm-eval's new keys are accepted as they come."""
    _prepare_lm_eval_import()
    from lm_eval.api.task import TaskConfig

    return frozenset(f.name for f in dataclasses.fields(TaskConfig)) | LM_EVAL_LOADER_KEYS


def _unknown_key_error(key: str, allowed: frozenset[str], where: str) -> JuryError:
    near = difflib.get_close_matches(key, allowed, n=1)
    fix = f"did you mean '{near[0]}'?" if near else f"allowed: {', '.join(sorted(allowed))}"
    return JuryError(f"unknown key '{key}'", where=where, fix=fix)


def _read_yaml(path: Path) -> tuple[dict[str, Any], TaskFile]:
    """The task's keys as lm-eval reads them, and jury's own keys read strictly (jury.tasks.task_file)."""
    doc = load_yaml_document(path)
    spec = doc.data
    if not isinstance(spec, dict) or "task" not in spec:
        raise JuryError("expected a mapping with a 'task' key (an lm-eval task)", where=str(path))
    allowed = _lm_eval_keys()
    for key in spec:
        if key not in allowed:
            raise _unknown_key_error(str(key), allowed, doc.where((str(key),)))
    return spec, validate(TaskFile, doc)


def _data_files(spec: dict[str, Any]) -> list[Path]:
    kwargs = spec.get("dataset_kwargs") or {}
    files = kwargs.get("data_files") if isinstance(kwargs, dict) else None
    values = list(files.values()) if isinstance(files, dict) else [files]
    flat = [f for v in values for f in (v if isinstance(v, list) else [v])]
    return [Path(f) for f in flat if isinstance(f, str)]


def _data_dir_for(path: Path, spec: dict[str, Any]) -> Path:
    """lm-eval resolves relative data files against the working directory; jury prefers the
    YAML's own folder, falling back to the working directory when the files are not there."""
    relative = [f for f in _data_files(spec) if not f.is_absolute()]
    if relative and all((path.parent / f).exists() for f in relative):
        return path.parent
    return Path.cwd()


def _check_local_json_data(spec: dict[str, Any], jury: JuryKeys, data_dir: Path) -> None:
    """Read local JSON data with jury's reader first: a bad row then fails with its file and line
    instead of a multi-line error from deep inside `datasets`, and a baseline that is not text is
    refused before `datasets` turns it into text (42 in a column of strings becomes "42")."""
    kwargs = spec.get("dataset_kwargs") or {}
    if spec.get("dataset_path") != "json" or not isinstance(kwargs, dict) or "field" in kwargs:
        return  # `field:` selects a list inside one JSON object: leave that to datasets
    for file in _data_files(spec):
        full = file if file.is_absolute() else data_dir / file
        if full.suffix.lower() in (".json", ".jsonl") and full.is_file():
            for row in read_json_rows(full):
                if jury.baseline_field and row.data.get(jury.baseline_field) is not None:
                    check_baseline(row.data[jury.baseline_field], jury.baseline_field, row.where)


def _prepare_lm_eval_import() -> None:
    """`datasets` reads these once, when first imported: set them before any lm_eval import."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")


def _load_lm_eval_task(path: Path, name: str, data_dir: Path) -> Any:
    _prepare_lm_eval_import()
    from lm_eval.tasks import TaskManager

    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    manager = TaskManager(include_path=str(path.parent), include_defaults=False)
    # chdir is process-wide; it is safe here because tasks load before any model call starts.
    with contextlib.chdir(data_dir):
        try:
            loaded = manager.load([name])
        except Exception as exc:  # lm-eval raises bare exceptions for every kind of bad task
            detail = " ".join(str(exc).split())[:300]  # one line, whatever lm-eval raised
            raise JuryError(f"lm-eval could not load task '{name}': {detail}", where=str(path)) from None
    task = loaded["tasks"].get(name)
    if task is None:
        raise JuryError(f"lm-eval found no task named '{name}'", where=str(path))
    return task


def _docs(task: Any, path: Path) -> list[dict[str, Any]]:
    for split in ("test", "validation", "train"):
        if getattr(task, f"has_{split}_docs")():
            return list(getattr(task, f"{split}_docs")())
    raise JuryError("the task has no test, validation or train documents", where=str(path))


def _to_item(task: Any, name: str, doc: dict, index: int, jury_cfg: JuryKeys, path: Path) -> Item:
    id_field = jury_cfg.id_field
    baseline_field = jury_cfg.baseline_field
    if id_field and doc.get(id_field) in (None, ""):
        raise JuryError(f"row {index + 1} has no '{id_field}' field (metadata.jury.id_field)", where=str(path))
    if baseline_field and not str(doc.get(baseline_field) or "").strip():
        raise JuryError(
            f"row {index + 1} has an empty '{baseline_field}' field (metadata.jury.baseline_field)",
            where=str(path),
        )
    turns: tuple[str, ...] = ()
    turns_field = jury_cfg.turns_field
    if turns_field:
        raw = doc.get(turns_field)
        if not isinstance(raw, list) or not raw or not all(isinstance(t, str) and t.strip() for t in raw):
            raise JuryError(
                f"row {index + 1}: '{turns_field}' must be a list of non-empty strings (metadata.jury.turns_field)",
                where=str(path),
            )
        turns = tuple(raw) if len(raw) > 1 else ()
    target = task.doc_to_target(doc)
    reference = str(target) if target not in (None, "") else None
    item = Item(
        task=name,
        item_id=check_id(doc[id_field], id_field, f"{path}: row {index + 1}") if id_field else str(index),
        prompt=turns[0] if turns else str(task.doc_to_text(doc)),
        reference=reference,
        # lm-eval's doc_id: lets `--log_samples` files match items by row
        metadata={"doc_id": index},
        turns=turns,
    )
    if not baseline_field:
        return item
    # a multi-turn baseline is a list with one answer per turn
    where = f"{path}: row {index + 1}"
    answers = check_baseline(doc[baseline_field], baseline_field, where)
    text = answer_text(item, answers, f"{where}, '{baseline_field}'")
    return replace(item, baseline=text, baseline_turns=answers if turns else ())


def _check_unique(items: tuple[Item, ...], path: Path) -> None:
    first: dict[str, int] = {}
    for row, item in enumerate(items, start=1):
        if item.item_id in first:
            raise JuryError(
                f"duplicate item id '{item.item_id}' (rows {first[item.item_id]} and {row})",
                where=str(path),
                fix="ids must be unique",
            )
        first[item.item_id] = row


def _load_native(path: Path, columns: Columns | None, fmt: str | None) -> Task:
    """A data file used directly as a task; MT-Bench and Arena-Hard folders name it question.jsonl."""
    if path.is_dir():
        path = path / "question.jsonl"
    name = path.parent.name if path.stem == "question" else path.stem
    fmt_found, items = read_task_items(path, name, fmt, columns)
    baseline_name = "baseline" if any(i.baseline for i in items) else None
    return Task(name, path, items, baseline_name, NATIVE_MAX_TOKENS, format=fmt_found)


def load_task(
    name_or_path: str, limit: int | None = None, *, columns: Columns | None = None, fmt: str | None = None
) -> Task:
    direct = Path(name_or_path)
    if direct.is_dir() or (direct.is_file() and direct.suffix.lower() not in (".yaml", ".yml")):
        task = _load_native(direct.resolve(), columns, fmt)
    else:
        task = _load_named_task(name_or_path)
    _check_unique(task.items, task.path)
    items = task.items[:limit] if limit is not None else task.items
    if not items:
        raise JuryError("the task has no items", where=str(task.path))
    return replace(task, items=items, left_out=task.items[len(items) :])


def _load_named_task(name_or_path: str) -> Task:
    """A YAML path, a task of ./tasks or the built-in folder, else a task in lm-eval's own registry."""
    try:
        path = resolve_task_path(name_or_path)
    except JuryError as not_ours:
        if Path(name_or_path).suffix.lower() in (".yaml", ".yml") or "/" in name_or_path:
            raise  # a path, not a name: lm-eval's registry cannot have it
        from jury.tasks.lm_eval_registry import load_registered_task, near_names

        registered = load_registered_task(name_or_path)
        if registered is not None:
            return registered
        near = near_names(name_or_path)
        raise JuryError(
            f"no task named '{name_or_path}' in ./tasks, jury's built-in tasks or lm-eval's registry",
            fix=(f"did you mean {', '.join(repr(n) for n in near)}? " if near else "") + (not_ours.fix or ""),
        ) from None
    return _load_yaml_task(path.resolve())


def _load_yaml_task(path: Path) -> Task:
    spec, keys = _read_yaml(path)
    data_dir = _data_dir_for(path, spec)
    _check_local_json_data(spec, keys.jury, data_dir)
    task = _load_lm_eval_task(path, keys.task, data_dir)
    docs = _docs(task, path)
    items = tuple(_to_item(task, keys.task, doc, i, keys.jury, path) for i, doc in enumerate(docs))
    return Task(
        name=keys.task,
        path=path,
        items=items,
        baseline_name=keys.jury.baseline_name,
        max_tokens=keys.max_tokens,
        description=keys.jury.description or "",
    )
