"""Load an lm-eval YAML task through lm-eval's own TaskManager and turn its docs into Items.

jury's keys live under `metadata.jury` so that the same file stays a valid lm-eval task:
    id_field:        document field holding a stable item id (default: the row number)
    baseline_field:  document field holding the baseline answer (optional)
    baseline_name:   name under which those baseline answers are reported
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jury.errors import JuryError
from jury.paths import resolve_named_file
from jury.records import Item

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    path: Path
    items: tuple[Item, ...]
    baseline_name: str | None
    max_tokens: int
    description: str = ""


def resolve_task_path(name_or_path: str) -> Path:
    return resolve_named_file(name_or_path, "tasks", (".yaml", ".yml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise JuryError(f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where) from None
    if not isinstance(spec, dict) or "task" not in spec:
        raise JuryError("expected a mapping with a 'task' key (an lm-eval task)", where=str(path))
    return spec


def _data_dir_for(path: Path, spec: dict[str, Any]) -> Path:
    """lm-eval resolves relative data files against the working directory; jury prefers the
    YAML's own folder, falling back to the working directory when the files are not there."""
    files = (spec.get("dataset_kwargs") or {}).get("data_files") or {}
    relative = [Path(f) for f in (files.values() if isinstance(files, dict) else [files])]
    relative = [f for f in relative if isinstance(f, Path) and not f.is_absolute()]
    if relative and all((path.parent / f).exists() for f in relative):
        return path.parent
    return Path.cwd()


def _load_lm_eval_task(path: Path, name: str, data_dir: Path) -> Any:
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    from lm_eval.tasks import TaskManager

    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    manager = TaskManager(include_path=str(path.parent), include_defaults=False)
    # chdir is process-wide; it is safe here because tasks load before any model call starts.
    with contextlib.chdir(data_dir):
        try:
            loaded = manager.load([name])
        except Exception as exc:  # lm-eval raises bare exceptions for every kind of bad task
            raise JuryError(f"lm-eval could not load task '{name}': {exc}", where=str(path)) from None
    task = loaded["tasks"].get(name)
    if task is None:
        raise JuryError(f"lm-eval found no task named '{name}'", where=str(path))
    return task


def _docs(task: Any, path: Path) -> list[dict[str, Any]]:
    for split in ("test", "validation", "train"):
        if getattr(task, f"has_{split}_docs")():
            return list(getattr(task, f"{split}_docs")())
    raise JuryError("the task has no test, validation or train documents", where=str(path))


def _to_item(task: Any, name: str, doc: dict, index: int, jury_cfg: dict, path: Path) -> Item:
    id_field = jury_cfg.get("id_field")
    baseline_field = jury_cfg.get("baseline_field")
    if id_field and id_field not in doc:
        raise JuryError(f"row {index + 1} has no '{id_field}' field (metadata.jury.id_field)", where=str(path))
    if baseline_field and not str(doc.get(baseline_field) or "").strip():
        raise JuryError(
            f"row {index + 1} has an empty '{baseline_field}' field (metadata.jury.baseline_field)",
            where=str(path),
        )
    target = task.doc_to_target(doc)
    reference = str(target) if target not in (None, "") else None
    return Item(
        task=name,
        item_id=str(doc[id_field]) if id_field else str(index),
        prompt=str(task.doc_to_text(doc)),
        reference=reference,
        baseline=str(doc[baseline_field]) if baseline_field else None,
    )


def load_task(name_or_path: str, limit: int | None = None) -> Task:
    path = resolve_task_path(name_or_path).resolve()
    spec = _read_yaml(path)
    name = str(spec["task"])
    jury_cfg = (spec.get("metadata") or {}).get("jury") or {}
    task = _load_lm_eval_task(path, name, _data_dir_for(path, spec))
    docs = _docs(task, path)
    items = tuple(_to_item(task, name, doc, i, jury_cfg, path) for i, doc in enumerate(docs))
    seen: set[str] = set()
    for item in items:
        if item.item_id in seen:
            raise JuryError(f"duplicate item id '{item.item_id}'", where=str(path), fix="ids must be unique")
        seen.add(item.item_id)
    if limit is not None:
        items = items[:limit]
    if not items:
        raise JuryError("the task has no items", where=str(path))
    gen = spec.get("generation_kwargs") or {}
    return Task(
        name=name,
        path=path,
        items=items,
        baseline_name=jury_cfg.get("baseline_name"),
        max_tokens=int(gen.get("max_gen_toks", 256)),
        description=str(jury_cfg.get("description", "")),
    )
