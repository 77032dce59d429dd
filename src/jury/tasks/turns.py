"""Multi-turn items (MT-Bench shape): the conversation a model is sent at each turn, and the text
a judge reads.

A judge sees the whole conversation, as MT-Bench's multi-turn judge does: the user's turns as
the question and each model's answers, turn by turn, as its answer. Single-turn items pass
through unchanged, so their prompts (and the cache keys built from them) do not move.
"""

from __future__ import annotations

from dataclasses import replace

from jury.errors import JuryError
from jury.records import Item


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


def _render(label: str, texts: tuple[str, ...]) -> str:
    return "\n\n".join(f"[{label}, turn {n}]\n{text}" for n, text in enumerate(texts, start=1))


def answer_text(item: Item, answers: tuple[str, ...], where: str = "") -> str:
    """One text per item for the judge: the answer itself, or every turn's answer, labelled."""
    if not item.turns:
        return answers[0]
    if len(answers) != len(item.turns):
        raise JuryError(
            f"item '{item.item_id}' has {len(item.turns)} turns but the output has {len(answers)}",
            where=where or None,
            fix="give one answer per user turn",
        )
    return _render("Assistant", answers)


def judge_view(item: Item) -> Item:
    """The item as a judge should see it: a multi-turn item's question is the whole conversation."""
    return replace(item, prompt=_render("User", item.turns)) if item.turns else item
