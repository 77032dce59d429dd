"""What tasks exist, and whether a file is a valid task: the library behind `jury tasks list`,
`jury tasks show` and `jury validate` (panels are validated by jury.panel.spec.validate_panel).

Listing reads only each YAML (fast, no lm-eval import); `show` and `validate` load for real,
because only a full load proves that lm-eval can read the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jury.errors import JuryError
from jury.io.strict_yaml import load_yaml
from jury.paths import builtin_dir
from jury.tasks.loader import Task, load_task


@dataclass(frozen=True)
class TaskEntry:
    name: str
    path: Path
    source: str  # "local" (./tasks) or "built-in"
    description: str


def _entry(path: Path, source: str) -> TaskEntry | None:
    try:
        spec = load_yaml(path)
    except JuryError:
        return TaskEntry(path.stem, path, source, "(unreadable: run `jury validate` on it)")
    if not isinstance(spec, dict) or "task" not in spec:
        return None  # an `include:`-only fragment or another YAML, not a task
    jury_cfg = (spec.get("metadata") or {}).get("jury") or {}
    description = jury_cfg.get("description") if isinstance(jury_cfg, dict) else None
    return TaskEntry(str(spec["task"]), path, source, description if isinstance(description, str) else "")


def list_tasks(local_dir: Path | None = None) -> list[TaskEntry]:
    """Tasks in ./tasks first (they shadow built-ins of the same name, as name lookup does)."""
    local_dir = local_dir if local_dir is not None else Path.cwd() / "tasks"
    entries: dict[str, TaskEntry] = {}
    for folder, source in ((local_dir, "local"), (builtin_dir("tasks"), "built-in")):
        if not folder.is_dir():
            continue
        for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
            entry = _entry(path, source)
            if entry is not None and entry.name not in entries:
                entries[entry.name] = entry
    return sorted(entries.values(), key=lambda e: e.name)


def show_task(name_or_path: str) -> Task:
    return load_task(name_or_path)


@dataclass(frozen=True)
class Validated:
    kind: str  # "task" or "panel"
    name: str
    summary: str


def validate_task(path: Path) -> Validated:
    """Load a task file fully; the first problem raises a JuryError with file and line."""
    if not path.exists():
        raise JuryError("file not found", where=str(path))
    task = load_task(str(path))
    turns = sum(1 for i in task.items if i.turns)
    extra = f", {turns} multi-turn" if turns else ""
    return Validated("task", task.name, f"{len(task.items)} items{extra}, {task.format} format")


def looks_like_panel(path: Path) -> bool:
    """A YAML mapping with a `judges` key is a panel; anything else is read as a task."""
    if path.is_dir() or path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return False
    spec = load_yaml(path)  # duplicate keys are refused here, for panels too
    return isinstance(spec, dict) and "judges" in spec
