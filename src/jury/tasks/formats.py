"""Which native format a task file is in, and reading its items.

Detection looks at the first row's keys, never at the file name alone, so a renamed file still
reads correctly; `fmt` overrides it when a file is ambiguous. The formats themselves (AlpacaEval,
MT-Bench, Arena-Hard, plain rows) live in jury.io.formats, shared with the outputs reader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jury.errors import JuryError
from jury.io.formats import alpaca_eval, arena_hard, mt_bench, plain
from jury.io.outputs import check_format
from jury.io.rows import Row, read_rows
from jury.records import Item

TASK_FORMATS = ("jsonl", "alpaca_eval", "mt_bench", "arena_hard")


def detect_task_format(first: Row) -> str:
    keys = set(first.data)
    if "question_id" in keys and "turns" in keys:
        return "mt_bench"
    if "uid" in keys and "prompt" in keys:
        return "arena_hard"
    if {"instruction", "output", "generator"} <= keys:
        return "alpaca_eval"
    return "jsonl"


def read_task_items(
    path: Path, task: str, fmt: str | None = None, columns: plain.Columns | None = None
) -> tuple[str, tuple[Item, ...]]:
    """(format, items) of a native task file; the items' `baseline` is set when the file has outputs."""
    rows = read_rows(path)
    fmt = fmt or detect_task_format(rows[0])
    check_format(fmt, TASK_FORMATS)
    if columns and fmt != "jsonl":
        raise JuryError(f"--columns applies to plain JSONL/CSV files, but this one is {fmt}", where=str(path))
    if fmt == "jsonl":
        return fmt, plain.items_from_rows(rows, task, columns)
    readers: dict[str, Callable[[list[Row], str], tuple[Item, ...]]] = {
        "alpaca_eval": alpaca_eval.items_from_rows,
        "mt_bench": mt_bench.items_from_rows,
        "arena_hard": arena_hard.items_from_rows,
    }
    return fmt, readers[fmt](rows, task)
