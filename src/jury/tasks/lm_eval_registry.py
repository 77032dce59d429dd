"""lm-eval's own tasks by name (`--task ifeval`), through its TaskManager with the default registry
plus ./tasks: a name jury's task folders do not have is looked up there.

jury stays offline by default (loader._prepare_lm_eval_import sets HF_DATASETS_OFFLINE=1 unless the
user set it): a registered task whose data set is neither local nor in the datasets cache gets one
line naming the data set and how to allow the download, never a multi-line trace from `datasets`.
Indexing lm-eval's ~15,000 task files takes seconds, so it happens once per process, and only when
the name is not one of jury's own tasks.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import logging
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.schema import validate
from jury.io.strict_yaml import YamlDocument
from jury.tasks.loader import Task, _data_dir_for, _docs, _prepare_lm_eval_import, _to_item
from jury.tasks.task_file import TaskFile

# `datasets` builders that read local files named in data_files, not a data set on the hub
LOCAL_BUILDERS = frozenset({"json", "csv", "parquet", "text", "arrow", "pandas"})
GENERATION = "generate_until"


@functools.cache
def _manager(include_path: str | None) -> Any:
    _prepare_lm_eval_import()
    from lm_eval.tasks import TaskManager

    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    return TaskManager(include_path=include_path, include_defaults=True)


def registry() -> Any:
    local = Path.cwd() / "tasks"
    return _manager(str(local) if local.is_dir() else None)


def near_names(name: str) -> list[str]:
    return difflib.get_close_matches(name, list(registry().task_index), n=3)


def _is_local(dataset: str | None, data_dir: Path) -> bool:
    return dataset is None or dataset in LOCAL_BUILDERS or (data_dir / dataset).exists()


def _load(manager: Any, name: str, cfg: dict[str, Any], yaml_path: Path) -> Any:
    data_dir = _data_dir_for(yaml_path, cfg)
    with contextlib.chdir(data_dir):  # relative data files resolve against the working directory
        try:
            return manager.load([name])["tasks"][name]
        except Exception as exc:  # lm-eval and datasets raise every kind of exception for missing data
            dataset = cfg.get("dataset_path")
            if not _is_local(dataset, data_dir):
                raise JuryError(
                    f"lm-eval task '{name}' needs the data set '{dataset}', which is not available on this machine",
                    where=str(yaml_path),
                    fix="jury does not download data sets unless allowed: set HF_DATASETS_OFFLINE=0 and "
                    "HF_HUB_OFFLINE=0 to let `datasets` fetch it, or use a task YAML whose data is a local file",
                ) from None
            detail = " ".join(str(exc).split())[:300]
            raise JuryError(f"lm-eval could not load task '{name}': {detail}", where=str(yaml_path)) from None


def load_registered_task(name: str) -> Task | None:
    """The task lm-eval registers under `name` (None when it registers none), as jury items."""
    manager = registry()
    entry = manager.task_index.get(name)
    if entry is None or not isinstance(entry.cfg, dict) or "task" not in entry.cfg:
        return None  # unknown, or a group / tag of tasks
    cfg, yaml_path = entry.cfg, Path(entry.yaml_path)
    output_type = cfg.get("output_type", GENERATION)
    if output_type != GENERATION:
        raise JuryError(
            f"lm-eval task '{name}' is a {output_type} task: jury judges generated answers",
            where=str(yaml_path),
            fix=f"choose a generation task (output_type: {GENERATION})",
        )
    keys = validate(TaskFile, YamlDocument(yaml_path, cfg))  # the YAML as lm-eval read it: no lines
    task = _load(manager, name, cfg, yaml_path)
    items = tuple(_to_item(task, name, doc, i, keys.jury, yaml_path) for i, doc in enumerate(_docs(task, yaml_path)))
    return Task(
        name=name,
        path=yaml_path,
        items=items,
        baseline_name=keys.jury.baseline_name,
        max_tokens=keys.max_tokens,
        description=keys.jury.description or "",
        format="lm_eval_registry",
    )
