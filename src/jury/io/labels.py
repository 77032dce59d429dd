"""Read human-labelled pairs for `jury calibrate`: JSONL rows with question, answer_a, answer_b,
human_winner ("a", "b" or "tie"), optional reference and id. The file boundary: every problem is a
JuryError naming the line and the field, and no row is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jury.errors import JuryError
from jury.io.rows import Row, read_json_rows, text_field
from jury.records import Preference

# Answer A is shown to the panel as the "candidate" and B as the "baseline".
WINNERS = {"a": Preference.CANDIDATE, "b": Preference.BASELINE, "tie": Preference.TIE}


@dataclass(frozen=True)
class LabelledPair:
    item_id: str
    question: str
    answer_a: str
    answer_b: str
    human: Preference
    reference: str | None = None


def _item_id(row: Row, number: int) -> str:
    """The row's `id` (text or an integer), or its row number when it has none; `"id": null` is refused,
    not read as the text "None" nor silently replaced by the row number."""
    if "id" not in row.data:
        return str(number)
    value = row.data["id"]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise JuryError(f"field 'id' must be text or an integer, got {value!r}", where=row.where)
    return str(value)


def load_labels(path: Path) -> tuple[LabelledPair, ...]:
    pairs: list[LabelledPair] = []
    seen: set[str] = set()
    for number, parsed in enumerate(read_json_rows(path), start=1):  # the shared reader: encodings, line numbers
        row, where = parsed.data, parsed.where
        for key in ("question", "answer_a", "answer_b", "human_winner"):
            if not isinstance(row.get(key), str):
                raise JuryError(f"field '{key}' must be text", where=where)
        winner = row["human_winner"].strip().lower()
        if winner not in WINNERS:
            raise JuryError(f"human_winner '{row['human_winner']}'", where=where, fix="use a, b or tie")
        item_id = _item_id(parsed, number)
        if item_id in seen:
            raise JuryError(f"duplicate id '{item_id}'", where=where)
        seen.add(item_id)
        pairs.append(
            LabelledPair(
                item_id,
                row["question"],
                row["answer_a"],
                row["answer_b"],
                WINNERS[winner],
                text_field(parsed, "reference", required=False),
            )
        )
    if not pairs:
        raise JuryError("no labelled pairs in the file", where=str(path))
    return tuple(pairs)
