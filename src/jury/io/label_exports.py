"""Labels made in an annotation tool (Label Studio, Argilla, a spreadsheet): CSV, TSV, JSONL or a JSON list
with an item id (`item_id`, `id`, `question_id` or jury's `unit_id`), an optional `turn`, and a winner
column. Winners may be candidate / baseline / tie; A / B relative to the row's recorded `order`
(candidate_first or baseline_first: A is the answer shown first); or any value the caller maps
(e.g. model_a=candidate,model_b=baseline). They become `label` rows of jury's own labels file, with no
sampling plan (strategy "import"). Every problem is a JuryError naming the file and line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jury.errors import JuryError
from jury.io.human_labels import ORDERS, WINNERS, LabelRow, RunIdentity, check_unit
from jury.io.rows import Row, read_rows, text_field
from jury.records import Preference

ID_FIELDS = ("unit_id", "item_id", "id", "question_id")
LABELLER_FIELDS = ("labeller", "annotator")
TARGETS = (*WINNERS, "a", "b")
WINNER_FIX = "use candidate, baseline or tie; A or B with an 'order' column; or map values with --winner-map"


def parse_winner_map(text: str | None) -> dict[str, str]:
    """'model_a=candidate,model_b=baseline' -> {'model_a': 'candidate', ...}; keys compared case-insensitively."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        value, sep, target = part.partition("=")
        target = target.strip().lower()
        if not sep or not value.strip() or target not in TARGETS:
            raise JuryError(
                f"--winner-map entry {part.strip()!r}",
                fix=f"write VALUE=TARGET pairs, TARGET one of {', '.join(TARGETS)}",
            )
        mapping[value.strip().lower()] = target
    return mapping


def _winner(row: Row, value: object, order: str | None, mapping: Mapping[str, str]) -> Preference:
    if not isinstance(value, str) or not value.strip():
        raise JuryError(f"winner {value!r}", where=row.where, fix=WINNER_FIX)
    target = mapping.get(value.strip().lower(), value.strip().lower())
    if target in WINNERS:
        return WINNERS[target]
    if target not in ("a", "b"):
        raise JuryError(f"unknown winner {value!r}", where=row.where, fix=WINNER_FIX)
    if order not in ORDERS:
        raise JuryError(
            f"winner {value!r} is relative to the order shown, but the row has no order",
            where=row.where,
            fix="add an 'order' column: candidate_first or baseline_first",
        )
    first = Preference.CANDIDATE if order == "candidate_first" else Preference.BASELINE
    return first if target == "a" else (Preference.BASELINE if first == Preference.CANDIDATE else Preference.CANDIDATE)


def _turn(row: Row) -> int | None:
    value = row.data.get("turn")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise JuryError(f"turn {value!r} is not a whole number", where=row.where)


def _unit(row: Row, run: RunIdentity, by_item: Mapping[str, list[str]]) -> str:
    name = next((f for f in ID_FIELDS if row.data.get(f) not in (None, "")), None)
    if name is None:
        raise JuryError("no item id", where=row.where, fix=f"give each row one of {', '.join(ID_FIELDS)}")
    given = text_field(row, name, is_id=True) or ""
    turn = _turn(row)
    if name == "unit_id":
        check_unit(row, run, given, None, turn)
        return given
    units = by_item.get(given)
    if not units:
        raise JuryError(f"item {given!r} is not in run {run.run_id!r}", where=row.where)
    if turn is None and len(units) > 1:
        raise JuryError(f"item {given!r} has {len(units)} turns", where=row.where, fix="add a 'turn' column")
    match = [u for u in units if turn is None or run.units[u][1] == turn]
    if not match:
        raise JuryError(f"item {given!r} has no turn {turn}", where=row.where)
    return match[0]


def load_label_export(
    path: Path, run: RunIdentity, *, labeller: str, time: str, winner_map: Mapping[str, str] | None = None,
    winner_column: str = "winner",
) -> tuple[LabelRow, ...]:  # fmt: skip
    """An annotation tool's labels as label rows of this run; `labeller` and `time` fill missing columns."""
    by_item: dict[str, list[str]] = {}
    for unit_id, (item_id, _) in run.units.items():
        by_item.setdefault(item_id, []).append(unit_id)
    out = []
    for row in read_rows(path):
        unit_id = _unit(row, run, by_item)
        order = row.data.get("order") or None
        if order is not None and order not in ORDERS:
            raise JuryError(f"unknown order {order!r}", where=row.where, fix="use candidate_first or baseline_first")
        if winner_column not in row.data:
            raise JuryError(f"no '{winner_column}' column", where=row.where, fix="name the winner column")
        winner = _winner(row, row.data[winner_column], order, winner_map or {})
        who = next((str(row.data[f]) for f in LABELLER_FIELDS if row.data.get(f) not in (None, "")), labeller)
        when = row.data.get("time") if isinstance(row.data.get("time"), str) and row.data.get("time") else time
        out.append(LabelRow("label", unit_id, who, when, "import", order=order, winner=winner, via="import",
                            where=row.where))  # fmt: skip
    return tuple(out)
