"""Read a JSONL file of verdicts (one row per item x judge, optionally a human label) into an
items x judges table, for `jury agreement`. This is the file boundary: every problem is a JuryError
naming the line and the field, and nothing is silently dropped."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jury.errors import JuryError
from jury.io.rows import read_json_rows

ITEM_FIELDS = ("item_id", "item", "id")
VERDICT_FIELDS = ("verdict", "preference")
TIE = "tie"


@dataclass(frozen=True)
class VerdictTable:
    verdicts: pd.DataFrame  # items x judges; None = no verdict (abstained or not asked)
    human: pd.Series | None  # per item; None when the file has no human labels
    rows: int
    orders_disagreeing: int  # item x judge pairs whose two presentation orders disagreed: counted as a tie


def _pick(row: dict, names: tuple[str, ...], where: str) -> object:
    for name in names:
        if name in row:
            return row[name]
    raise JuryError(f"missing field {names[0]!r}", where=where, fix=f"each row needs one of {list(names)}")


def _name(value: object, field: str, where: str) -> str:
    """An item id or a judge: text or an integer, never null or a number with a fraction turned into text."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise JuryError(f"field {field!r} must be text or an integer, got {value!r}", where=where)
    return str(value)


def _category(value: object, field: str, where: str) -> str | None:
    """A verdict or a human label as a category: 1, 1.0 and "1" are one label (a file written by a
    spreadsheet or pandas may hold any of them), so they compare equal; null is no verdict."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise JuryError(f"field {field!r} must be text or a number, got {value!r}", where=where)
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def load_verdicts(path: Path) -> VerdictTable:
    """Rows: {"item_id", "judge", "verdict" (or "preference"), optional "human", optional "order"}.
    A judge may give one verdict per presentation order (jury's own judgments.jsonl); when they
    differ the judge was swayed by position and its verdict is a tie, as MT-Bench counts it."""
    records, human = [], {}
    for parsed in read_json_rows(path):  # the shared reader: encodings, truncation, line numbers
        row, where = parsed.data, parsed.where
        item = _name(_pick(row, ITEM_FIELDS, where), "item_id", where)
        judge = _name(_pick(row, ("judge",), where), "judge", where)
        verdict = _category(_pick(row, VERDICT_FIELDS, where), "verdict", where)
        records.append((item, judge, verdict, row.get("order"), where))
        label = _category(row.get("human"), "human", where)
        if label is not None:
            if human.get(item, label) != label:
                raise JuryError(
                    f"item {item!r} has two different human labels ({human[item]!r} and {label!r})", where=where
                )
            human[item] = label
    if not records:
        raise JuryError("no verdicts in the file", where=str(path))
    cells: dict[tuple[str, str], list[tuple[str | None, object, str]]] = {}
    for item, judge, verdict, order, where in records:
        cells.setdefault((item, judge), []).append((verdict, order, where))
    merged, disagreeing = {}, 0
    for key, given in cells.items():
        verdicts = {v for v, _, _ in given}
        if len(verdicts) == 1:
            merged[key] = given[0][0]
        elif all(order is not None for _, order, _ in given) and len({o for _, o, _ in given}) == len(given):
            parsed = {v for v in verdicts if v is not None}
            merged[key] = parsed.pop() if len(parsed) == 1 else TIE
            disagreeing += len(parsed) > 1
        else:
            raise JuryError(
                f"judge {key[1]!r} gives item {key[0]!r} different verdicts",
                where=given[-1][2],
                fix="keep one row per item and judge, or add an 'order' field to each presentation order",
            )
    items = list(dict.fromkeys(item for item, *_ in records))
    judges = list(dict.fromkeys(judge for _, judge, *_ in records))
    table = pd.DataFrame(
        [[merged.get((i, j)) for j in judges] for i in items], index=pd.Index(items, name="item"), columns=judges
    ).astype(object)
    labels = pd.Series([human.get(i) for i in items], index=table.index, dtype=object) if human else None
    return VerdictTable(table, labels, len(records), disagreeing)
