"""Read model outputs from a file (JSONL or a JSON list): rows with `output` and an `id` or
`instruction` that matches a task item. Mismatches are errors that list the offenders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.records import Item


def _rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(location, row) pairs; location is `file:line` for JSONL, `file[index]` for a JSON list."""
    if not path.is_file():
        raise JuryError("file not found", where=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise JuryError(f"not UTF-8 text (byte {exc.start})", where=str(path)) from None
    if not text.strip():
        raise JuryError("the file is empty", where=str(path))
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise JuryError(f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}") from None
        return [(f"{path}[{i}]", row) for i, row in enumerate(data)]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise JuryError(f"invalid JSON: {exc.msg}", where=f"{path}:{number}") from None
    return rows


def load_outputs(path: Path, items: tuple[Item, ...]) -> dict[str, str]:
    """Map item_id -> output text for every item; refuse partial or ambiguous files."""
    by_id = {i.item_id: i for i in items}
    by_prompt = {i.prompt.strip(): i for i in items}
    found: dict[str, str] = {}
    for where, row in _rows(path):
        if not isinstance(row, dict):
            raise JuryError("expected an object with 'output' and 'id' or 'instruction'", where=where)
        output = row.get("output")
        if not isinstance(output, str) or not output.strip():
            raise JuryError("field 'output' is missing or empty", where=where)
        if "id" in row:
            item = by_id.get(str(row["id"]))
            key = f"id '{row['id']}'"
        elif "instruction" in row:
            item = by_prompt.get(str(row["instruction"]).strip())
            key = "instruction text"
        else:
            raise JuryError("row has neither 'id' nor 'instruction'", where=where)
        if item is None:
            continue  # outputs for items outside this task (or outside --limit) are ignored
        if item.item_id in found:
            raise JuryError(f"duplicate output for item '{item.item_id}' ({key})", where=where)
        found[item.item_id] = output
    missing = [i.item_id for i in items if i.item_id not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise JuryError(
            f"no output for {len(missing)} task item(s): {shown}",
            where=str(path),
            fix="give one row per item, matched by 'id' or 'instruction'",
        )
    return found
