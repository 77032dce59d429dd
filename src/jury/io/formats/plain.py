"""Plain JSONL / JSON / CSV with a column mapping (`--columns prompt=question,id=qid`).

Keys of the mapping are jury's field names, values the file's column names, so a file never has
to be rewritten to be read. Unmapped fields fall back to jury's own names. One mapping serves
every plain file of a run (task and outputs), so a mapped column that a file lacks is an error
only where that file needs the field (the task's prompt and mapped id, the outputs' text).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from jury.errors import JuryError
from jury.io.imported import OutputRow
from jury.io.rows import Row, text_field
from jury.records import Item

# jury field -> the column names tried when the mapping does not name one
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "prompt": ("prompt", "instruction"),
    "reference": ("reference",),
    "baseline": ("baseline",),
    "output": ("output",),
    "model": ("model", "generator"),
}
Columns = dict[str, str]


def parse_columns(spec: str | None) -> Columns:
    """'prompt=question,id=qid' -> {'prompt': 'question', 'id': 'qid'}, checked against jury's fields."""
    if not spec:
        return {}
    columns: Columns = {}
    for part in spec.split(","):
        field, sep, column = (p.strip() for p in part.partition("="))
        if not sep or not field or not column:
            raise JuryError(f"bad column mapping '{part}'", where="--columns", fix="write jury_field=file_column, ...")
        if field not in DEFAULT_COLUMNS:
            raise JuryError(
                f"unknown jury field '{field}'", where="--columns", fix=f"fields: {', '.join(DEFAULT_COLUMNS)}"
            )
        if field in columns:
            raise JuryError(f"field '{field}' is mapped twice", where="--columns")
        columns[field] = column
    return columns


def _column(row: Row, field: str, columns: Columns, required: bool, empty_ok: bool = False) -> str | None:
    if field in columns and (required or columns[field] in row.data):
        name = columns[field]
        if name not in row.data:
            raise JuryError(
                f"column '{name}' (mapped to '{field}' by --columns) not found",
                where=row.where,
                fix=f"columns present: {', '.join(map(str, row.data))}",
            )
        return text_field(row, name, required=required, is_id=field == "id", empty_ok=empty_ok)
    for name in DEFAULT_COLUMNS[field]:
        if name in row.data:
            return text_field(row, name, required=required, is_id=field == "id", empty_ok=empty_ok)
    if required:
        raise JuryError(
            f"no '{field}' column (looked for {', '.join(DEFAULT_COLUMNS[field])})",
            where=row.where,
            fix=f"map one with --columns {field}=COLUMN; columns present: {', '.join(map(str, row.data))}",
        )
    return None


def items_from_rows(rows: Iterable[Row], task: str, columns: Columns | None = None) -> tuple[Item, ...]:
    columns = columns or {}
    items = []
    for index, row in enumerate(rows):
        item_id = _column(row, "id", columns, required="id" in columns)
        items.append(
            Item(
                task=task,
                item_id=item_id if item_id is not None else str(index),
                prompt=_column(row, "prompt", columns, required=True) or "",
                reference=_column(row, "reference", columns, required=False) or None,
                baseline=_column(row, "baseline", columns, required=False) or None,
            )
        )
    return tuple(items)


def outputs_from_rows(rows: Iterable[Row], columns: Columns | None = None) -> list[OutputRow]:
    columns = columns or {}
    out = []
    for row in rows:
        item_id = _column(row, "id", columns, required=False)
        instruction = _column(row, "prompt", columns, required=False)
        if item_id is None and instruction is None:
            raise JuryError("row has neither an id nor an instruction", where=row.where, fix="map one with --columns")
        text = _column(row, "output", columns, required=True, empty_ok=True) or ""  # an empty answer is one
        model = _column(row, "model", columns, required=False)
        out.append(OutputRow(row.where, (text,), item_id=item_id, instruction=instruction, model=model))
    return out


def write_rows(path: Path, records: list[dict[str, str]]) -> None:
    """JSONL, or CSV when the name ends in .csv; used to export and in round-trip tests."""
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
        return
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
