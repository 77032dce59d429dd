"""Task loading: lm-evaluation-harness YAML tasks become jury Items."""

from jury.tasks.loader import load_task, resolve_task_path

__all__ = ["load_task", "resolve_task_path"]
