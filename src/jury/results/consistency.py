"""A run record read back from disk must hang together before anything is derived from it.

The schema (pydantic, in runlog.py) proves that each field has its type; it cannot see that a judged
item lost its answers, or that a pointwise judgment lost one of its two scores. Left unchecked, such a
hand-edited or truncated run.json fails deep inside the aggregation with a KeyError; here it is one
line naming the file and the missing key.
"""

from __future__ import annotations

from typing import get_args

from jury.errors import JuryError
from jury.panel.panel_file import Mode, Rule, TieRule
from jury.panel.units import item_of_unit
from jury.records import Unit
from jury.results.record import RunRecord
from jury.results.run_result import planned_units

POINTWISE_SCORES = ("candidate", "baseline")  # a pointwise judgment scores each output alone


def _planned(record: RunRecord, where: str) -> tuple[Unit, ...]:
    try:
        return planned_units(record)
    except JuryError as exc:  # e.g. one answer for a two-turn item
        inside = f"{exc.where}: " if exc.where else ""
        raise JuryError(f"{inside}{exc.problem}", where=where, fix="the run record is damaged") from None


def _missing_parts(record: RunRecord, item: str) -> list[str]:
    parts = (
        ("items", {i.item_id for i in record.items}),
        ("outputs", {o.item_id for o in record.outputs}),
        ("baseline", {o.item_id for o in record.baseline}),
    )
    return [name for name, ids in parts if item not in ids]


def check_record(record: RunRecord, where: str) -> None:
    """The panel's rules are ones jury knows, and every judgment is of a unit the record can rebuild,
    with the scores its aggregation reads."""
    panel = record.spec.panel
    for key, value, allowed in (
        ("mode", panel.mode, Mode),
        ("rule", panel.rule, Rule),
        ("tie_rule", panel.tie_rule, TieRule),
    ):
        if value not in get_args(allowed):
            raise JuryError(
                f"spec.panel.{key} is {value!r}, not one of {', '.join(get_args(allowed))}",
                where=where,
                fix="the run record is damaged: restore it, or run again",
            )
    units = {u.unit_id for u in _planned(record, where)}
    for n, judgment in enumerate(record.judgments):
        if judgment.unit_id not in units:
            item = item_of_unit(judgment.unit_id)
            missing = _missing_parts(record, item)
            why = f"has no entry in {' or '.join(missing)}" if missing else "has no such turn"
            raise JuryError(
                f"judgments[{n}] is of unit '{judgment.unit_id}', but item '{item}' {why}",
                where=where,
                fix="the run record is damaged: restore it, or run again",
            )
        if judgment.order == "pointwise" and judgment.preference is not None:
            for side in POINTWISE_SCORES:
                if side not in judgment.scores:
                    raise JuryError(
                        f"judgments[{n}].scores: missing key '{side}' (a pointwise verdict needs both scores)",
                        where=where,
                        fix="the run record is damaged: restore it, or run again",
                    )
