"""Arena-Hard files: `question.jsonl` ({uid, category, prompt, ...}) and `model_answer/<model>.jsonl`
({uid, model, messages: [user, assistant]}), the assistant content being text or {"answer": text}."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.imported import OutputRow
from jury.io.rows import Row, text_field
from jury.records import Item

_METADATA_FIELDS = ("category", "subcategory", "cluster")


def items_from_rows(rows: Iterable[Row], task: str) -> tuple[Item, ...]:
    return tuple(
        Item(
            task=task,
            item_id=text_field(row, "uid", is_id=True) or "",
            prompt=text_field(row, "prompt") or "",
            metadata={k: row.data[k] for k in _METADATA_FIELDS if isinstance(row.data.get(k), str)},
        )
        for row in rows
    )


def _content(row: Row, message: Any, index: int) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, dict):
        content = content.get("answer")
    if not isinstance(content, str):
        raise JuryError(
            f"messages[{index}].content must be text or {{'answer': text}}, got {type(content).__name__}",
            where=row.where,
        )
    return content


def outputs_from_rows(rows: Iterable[Row]) -> list[OutputRow]:
    out = []
    for row in rows:
        messages = row.data.get("messages")
        if not isinstance(messages, list) or len(messages) < 2:
            raise JuryError("field 'messages' must list the user turn and the assistant's answer", where=row.where)
        roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
        if roles[-1] != "assistant":
            raise JuryError(f"the last message is from '{roles[-1]}', expected 'assistant'", where=row.where)
        answers = tuple(_content(row, m, i) for i, m in enumerate(messages) if roles[i] == "assistant")
        out.append(
            OutputRow(
                row.where,
                answers,
                item_id=text_field(row, "uid", is_id=True),
                instruction=_content(row, messages[0], 0) if roles[0] == "user" else None,
                model=text_field(row, "model", required=False),
            )
        )
    return out


def write_questions(path: Path, items: Iterable[Item]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(
                json.dumps({"uid": item.item_id, **item.metadata, "prompt": item.prompt}, ensure_ascii=False) + "\n"
            )


def write_answers(path: Path, model: str, items: Iterable[Item], answers: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            messages = [
                {"role": "user", "content": item.prompt},
                {"role": "assistant", "content": {"answer": answers[item.item_id]}},
            ]
            record = {"uid": item.item_id, "model": model, "messages": messages}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
