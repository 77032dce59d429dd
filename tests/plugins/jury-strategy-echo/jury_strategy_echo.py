"""A pointwise strategy whose judge replies with a number in [0, 1]: the score of the answer shown."""

from __future__ import annotations

from jury.models.request import ModelReply
from jury.panel.strategies.pointwise import PointwiseStrategy


def number_score(reply: ModelReply) -> tuple[float | None, str | None]:
    try:
        value = float(reply.text.strip())
    except ValueError:
        return None, f"not a number: {reply.text[:40]!r}"
    return (value, None) if 0.0 <= value <= 1.0 else (None, f"out of [0, 1]: {value}")


class EchoScore(PointwiseStrategy):
    name = "echo_score"
    fields = frozenset({"question", "answer"})
    parsers = ("number",)
    parse = {"number": number_score}  # noqa: RUF012 (a class-level table, as the built-in strategies have)
