"""Multi-turn items (MT-Bench shape): the conversation a model is sent at each turn, and the
per-turn answers every side of a run carries.

Answers are kept turn by turn (`Output.turns`, `Item.baseline_turns`) because each turn is judged
on its own (jury.panel.units); the labelled join is only what reports show. Single-turn items pass
through unchanged, so their requests (and the cache keys built from them) do not move.
"""

from __future__ import annotations

from jury.errors import JuryError
from jury.records import Item, Output, Usage


def user_turns(item: Item) -> tuple[str, ...]:
    return item.turns or (item.prompt,)


def conversation(item: Item, answers: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The messages for the next turn: every earlier exchange, then the next user turn."""
    turns = user_turns(item)
    if len(answers) >= len(turns):
        raise ValueError(f"item {item.item_id} has only {len(turns)} turn(s)")
    messages: list[tuple[str, str]] = []
    for question, answer in zip(turns, answers, strict=False):
        messages += [("user", question), ("assistant", answer)]
    return (*messages, ("user", turns[len(answers)]))


def check_answers(item: Item, answers: tuple[str, ...], where: str = "") -> tuple[str, ...]:
    """One answer per user turn, or a JuryError naming the item (and the file when given)."""
    n = len(user_turns(item))
    if len(answers) != n:
        raise JuryError(
            f"item '{item.item_id}' has {n} turn{'s' if n > 1 else ''} but the output has {len(answers)}",
            where=where or None,
            fix="give one answer per user turn",
        )
    return answers


def answer_text(item: Item, answers: tuple[str, ...], where: str = "") -> str:
    """One text per item for reports: the answer itself, or every turn's answer, labelled."""
    check_answers(item, answers, where)
    if not item.turns:
        return answers[0]
    return "\n\n".join(f"[Assistant, turn {n}]\n{text}" for n, text in enumerate(answers, start=1))


def output_of(item: Item, model: str, answers: tuple[str, ...], usage: Usage | None = None) -> Output:
    """An Output keeping every turn's answer (for judging) and their join (for reports)."""
    return Output(item.item_id, model, answer_text(item, answers), usage or Usage(), answers if item.turns else ())


def answers_of(output: Output) -> tuple[str, ...]:
    return output.turns or (output.text,)


def baseline_answers(item: Item) -> tuple[str, ...]:
    """The task's own baseline, turn by turn (the caller checks that the item has one)."""
    return item.baseline_turns or (item.baseline or "",)
