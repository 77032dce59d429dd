"""MT-Bench files (FastChat layout): `question.jsonl` and `model_answer/<model>.jsonl`.

A question has `question_id`, `category`, a list of user `turns` (two in MT-Bench) and an
optional `reference` list (one per turn); an answer has `choices[0].turns`, one per user turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.imported import OutputRow
from jury.io.rows import Row, text_field
from jury.records import Item


def _text_list(row: Row, value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise JuryError(f"field '{name}' must be a non-empty list of strings", where=row.where)
    for i, turn in enumerate(value):
        if not isinstance(turn, str):
            raise JuryError(f"{name}[{i}] must be a string, got {type(turn).__name__}", where=row.where)
    return tuple(value)


def _question_id(row: Row) -> str:
    return text_field(row, "question_id", is_id=True) or ""


def items_from_rows(rows: Iterable[Row], task: str) -> tuple[Item, ...]:
    items = []
    for row in rows:
        turns = _text_list(row, row.data.get("turns"), "turns")
        if not turns[0].strip():
            raise JuryError("turns[0] is empty", where=row.where)
        references = _text_list(row, row.data["reference"], "reference") if row.data.get("reference") else ()
        if references and len(references) != len(turns):
            raise JuryError(
                f"'reference' has {len(references)} entries but 'turns' has {len(turns)}",
                where=row.where,
                fix="give one reference per turn",
            )
        category = text_field(row, "category", required=False)
        multi = len(turns) > 1
        items.append(
            Item(
                task=task,
                item_id=_question_id(row),
                prompt=turns[0],
                reference=references[0] if references else None,
                metadata={"category": category} if category else {},
                turns=turns if multi else (),
                references=references if multi else (),
            )
        )
    return tuple(items)


def outputs_from_rows(rows: Iterable[Row]) -> list[OutputRow]:
    out = []
    for row in rows:
        choices = row.data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise JuryError("field 'choices' must be a list of {turns: [...]}", where=row.where)
        turns = _text_list(row, choices[0].get("turns"), "choices[0].turns")
        model = text_field(row, "model_id", required=False)
        out.append(OutputRow(row.where, turns, item_id=_question_id(row), model=model))
    return out


def write_questions(path: Path, items: Iterable[Item]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            record: dict[str, Any] = {
                "question_id": item.item_id,
                "category": item.metadata.get("category", ""),
                "turns": list(item.turns or (item.prompt,)),
            }
            references = item.references or ((item.reference,) if item.reference else ())
            if references:
                record["reference"] = list(references)
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_answers(path: Path, model: str, answers: dict[str, tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for question_id, turns in answers.items():
            record = {"question_id": question_id, "model_id": model, "choices": [{"index": 0, "turns": list(turns)}]}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
