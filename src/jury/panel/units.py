"""What the panel judges: every turn of a multi-turn item is its own unit, with its own verdict.

The judge of turn k reads, as MT-Bench's multi-turn judge does, the user's turns 1..k and each
side's own answers to them, and is told to judge only the answer to turn k; earlier answers are
the context that side built. Turn 1 (and a single-turn item) is the plain question and answer,
so its prompt, and the cache key built from it, is byte for byte what a single-turn item gives.
Votes carry the unit id (`<item>#turn<k>`), so a pool panel draws a judge per turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from jury.errors import JuryError
from jury.panel.escape import escape_turn_labels
from jury.panel.spec import JudgeSpec
from jury.panel.strategies import JudgeCall, judge_calls
from jury.records import Item, Unit
from jury.turns import check_answers, user_turns

TURN_MARK = "#turn"


def unit_id(item: Item, turn: int) -> str:
    return f"{item.item_id}{TURN_MARK}{turn}" if item.turns else item.item_id


_TURN_SUFFIX = re.compile(rf"{re.escape(TURN_MARK)}\d+$")


def item_of_unit(unit: str) -> str:
    """The item a unit id belongs to: `q1#turn2` -> `q1`; a single-turn item's id is its own."""
    return _TURN_SUFFIX.sub("", unit)


def judged_units(
    items: tuple[Item, ...], candidate: Mapping[str, tuple[str, ...]], baseline: Mapping[str, tuple[str, ...]]
) -> tuple[Unit, ...]:
    """Items in order, each expanded into its turns; `candidate` and `baseline` map item ids to
    the answer to every turn."""
    units: list[Unit] = []
    seen: set[str] = set()
    for item in items:
        cand = check_answers(item, candidate[item.item_id], "candidate answers")
        base = check_answers(item, baseline[item.item_id], "baseline answers")
        for turn in range(1, len(cand) + 1):
            unit = Unit(unit_id(item, turn), item, turn, cand[:turn], base[:turn])
            if unit.unit_id in seen:
                raise JuryError(
                    f"item id '{unit.unit_id}' names both an item and a turn of a multi-turn item",
                    fix=f"rename the item: ids ending in '{TURN_MARK}<n>' are taken by the turns of multi-turn items",
                )
            seen.add(unit.unit_id)
            units.append(unit)
    return tuple(units)


def identical_answers(unit: Unit) -> bool:
    """The judge would read the same text as both answers (every turn so far the same): such a pair is a
    tie without a judge call, as AlpacaEval rules identical outputs. Exact text: whitespace differs is
    a difference a judge could see."""
    return unit.candidate == unit.baseline


def pair_units(items: tuple[Item, ...], first: Mapping[str, str], second: Mapping[str, str]) -> tuple[Unit, ...]:
    """Units of single-turn items from one answer per side (calibration pairs, injection probes)."""
    return judged_units(items, {k: (v,) for k, v in first.items()}, {k: (v,) for k, v in second.items()})


def is_multi_turn(units: tuple[Unit, ...]) -> bool:
    return any(u.turn > 1 for u in units)


def turn_prompt(unit: Unit) -> str:
    """The user's message this unit answers."""
    return user_turns(unit.item)[unit.turn - 1]


def judge_item(unit: Unit) -> Item:
    """The item as a judge sees it: this turn's reference and, after turn 1, the user's turns so
    far with the note saying which answer is judged."""
    item = unit.item
    reference = item.references[unit.turn - 1] if item.references else item.reference
    if unit.turn == 1:
        return replace(item, reference=reference)
    asked = "\n\n".join(f"[User, turn {n}]\n{q}" for n, q in enumerate(user_turns(item)[: unit.turn], start=1))
    note = (
        f"(This is turn {unit.turn} of a conversation: judge only the answer to turn {unit.turn}; "
        "the earlier turns are context.)"
    )
    return replace(item, prompt=f"{asked}\n\n{note}", reference=reference)


def judge_answer(unit: Unit, answers: tuple[str, ...]) -> str:
    """One side's text: its answer, or after turn 1 its own earlier answers as context and the last one marked."""
    if unit.turn == 1:
        return answers[0]
    labels = ["context"] * (unit.turn - 1) + ["to be judged"]
    return "\n\n".join(
        f"[Assistant, turn {n}, {label}]\n{escape_turn_labels(text)}"
        for n, (label, text) in enumerate(zip(labels, answers, strict=True), start=1)
    )


def unit_calls(judge: JudgeSpec, unit: Unit) -> list[JudgeCall]:
    return judge_calls(
        judge, unit.unit_id, judge_item(unit), judge_answer(unit, unit.candidate), judge_answer(unit, unit.baseline)
    )
