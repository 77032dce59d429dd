"""AlpacaEval files: a JSON list of {instruction, output, generator[, dataset]}.

The same shape is both an evaluation set (the reference model's outputs become the baseline)
and a model's outputs. AlpacaEval has no ids, so an item's id is a hash of its instruction:
stable across subsets and reorderings, unlike a row number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from jury.io.imported import OutputRow
from jury.io.rows import Row, text_field
from jury.records import Item


def instruction_id(instruction: str) -> str:
    return "ae-" + hashlib.sha1(instruction.strip().encode()).hexdigest()[:12]


def outputs_from_rows(rows: Iterable[Row]) -> list[OutputRow]:
    return [
        OutputRow(
            row.where,
            (text_field(row, "output", empty_ok=True) or "",),
            instruction=text_field(row, "instruction"),
            model=text_field(row, "generator", required=False),
        )
        for row in rows
    ]


def items_from_rows(rows: Iterable[Row], task: str) -> tuple[Item, ...]:
    items = []
    for row in rows:
        instruction = text_field(row, "instruction") or ""
        dataset = text_field(row, "dataset", required=False)
        items.append(
            Item(
                task=task,
                item_id=instruction_id(instruction),
                prompt=instruction,
                baseline=text_field(row, "output", required=False) or None,
                metadata={"dataset": dataset} if dataset else {},
            )
        )
    return tuple(items)


def write(path: Path, outputs: list[OutputRow], generator: str) -> None:
    records = [{"instruction": o.instruction, "output": o.text, "generator": o.model or generator} for o in outputs]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
