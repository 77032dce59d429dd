"""Read model outputs from a file in any supported format and match them to task items.

Detection looks at the first row's keys, never at the file name alone, so a renamed file still
reads correctly; `fmt` overrides it when a file is ambiguous. Matching rules (by id, lm-eval doc id
or exact instruction text; duplicates, unknown ids and missing items refused) live in io/imported.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jury.errors import JuryError
from jury.io.formats import alpaca_eval, arena_hard, lm_eval_samples, mt_bench, plain
from jury.io.imported import ImportedOutputs, OutputRow, match_outputs
from jury.io.rows import Row, read_rows
from jury.records import Item

OUTPUT_FORMATS = ("jsonl", "alpaca_eval", "mt_bench", "arena_hard", "lm_eval_samples")


def detect_output_format(first: Row) -> str:
    keys = set(first.data)
    if "choices" in keys and "question_id" in keys:
        return "mt_bench"
    if "messages" in keys and "uid" in keys:
        return "arena_hard"
    if "doc_id" in keys and "resps" in keys:
        return "lm_eval_samples"
    if {"instruction", "output", "generator"} <= keys:
        return "alpaca_eval"
    return "jsonl"


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise JuryError(f"unknown format '{fmt}'", fix=f"one of: {', '.join(allowed)}")


def read_output_rows(path: Path, fmt: str | None = None, columns: plain.Columns | None = None) -> list[OutputRow]:
    rows = read_rows(path)
    fmt = fmt or detect_output_format(rows[0])
    check_format(fmt, OUTPUT_FORMATS)
    if columns and fmt != "jsonl":
        raise JuryError(f"--columns applies to plain JSONL/CSV files, but this one is {fmt}", where=str(path))
    readers: dict[str, Callable[[list[Row]], list[OutputRow]]] = {
        "jsonl": lambda r: plain.outputs_from_rows(r, columns),
        "alpaca_eval": alpaca_eval.outputs_from_rows,
        "mt_bench": mt_bench.outputs_from_rows,
        "arena_hard": arena_hard.outputs_from_rows,
        # lm-eval writes samples under <output_path>/<model name>/samples_<task>_<date>.jsonl
        "lm_eval_samples": lambda r: lm_eval_samples.outputs_from_rows(r, model=path.parent.name or None),
    }
    return readers[fmt](rows)


def load_outputs_file(
    path: Path,
    items: tuple[Item, ...],
    *,
    fmt: str | None = None,
    columns: plain.Columns | None = None,
    allow_partial: bool = False,
    left_out: tuple[Item, ...] = (),
) -> ImportedOutputs:
    """`left_out`: the task's items this run does not judge (beyond --limit); rows for them are not
    unknown ids."""
    return match_outputs(read_output_rows(path, fmt, columns), items, path, allow_partial, left_out)


def import_outputs(
    path: Path,
    items: tuple[Item, ...],
    *,
    columns: plain.Columns | None = None,
    allow_partial: bool = False,
    left_out: tuple[Item, ...] = (),
) -> ImportedOutputs:
    return load_outputs_file(path, items, columns=columns, allow_partial=allow_partial, left_out=left_out)


def load_outputs(path: Path, items: tuple[Item, ...]) -> dict[str, str]:
    """Map item_id -> output text for every item; refuse partial or ambiguous files."""
    return load_outputs_file(path, items).texts
