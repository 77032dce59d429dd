"""The labelling page: page.html filled in for one pair. Everything from the run (questions, answers) is
escaped here, once, as in report.html; the page runs only its own inline script, allowed by a per-response
nonce in the Content-Security-Policy (server.py), so planted markup stays text."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from urllib.parse import quote

from jury.labels.session import Pair
from jury.report.html_page import esc
from jury.turns import user_turns

BUTTONS = (("1", "Answer 1 is better"), ("0", "Tie"), ("2", "Answer 2 is better"), ("s", "Skip"), ("u", "Undo"))
_SLOT = re.compile(r"\{\{(\w+)\}\}")


@cache
def template() -> str:
    return resources.files("jury.labels").joinpath("page.html").read_text(encoding="utf-8")


def _turn(question: str, first: str, second: str, *, n: int, last: int) -> str:
    """One user turn and both sides' answers to it; earlier turns of a conversation are context."""
    if last == 1:
        title, cls = "Question", "judged"
    elif n < last:
        title, cls = f"User, turn {n} (context: each side's own earlier answer)", "context"
    else:
        title, cls = f"User, turn {n}: compare the answers to this turn", "judged"
    sides = "".join(
        f'<div class="side"><h3>Answer {k}{" (turn " + str(n) + ")" if last > 1 else ""}</h3>'
        f'<div class="text answer-{k}">{esc(text)}</div></div>'
        for k, text in ((1, first), (2, second))
    )
    return f'<section class="turn {cls}"><h2>{esc(title)}</h2><div class="text">{esc(question)}</div><div class="sides">{sides}</div></section>'  # noqa: E501


def pair_body(pair: Pair) -> str:
    first, second = pair.answers
    questions = user_turns(pair.unit.item)[: pair.unit.turn]
    return "".join(
        _turn(q, a, b, n=n, last=pair.unit.turn)
        for n, (q, a, b) in enumerate(zip(questions, first, second, strict=True), start=1)
    )


def _buttons(keys: tuple[str, ...]) -> str:
    return "".join(
        f'<button type="submit" name="key" value="{esc(k)}" data-key="{esc(k)}">'
        f"<kbd>{esc(k)}</kbd> {esc(text)}</button>"
        for k, text in BUTTONS
        if k in keys
    )


def render(pair: Pair | None, *, token: str, nonce: str, message: str, answered: int) -> str:
    """The page for `pair`, or the closing page when every planned pair is answered."""
    if pair is None:
        body = (
            "<p>Every planned pair is answered; the labels are saved. You can close this page and stop "
            "<code>jury label</code> with Ctrl-C, or undo the latest answer.</p>"
        )
        done = total = answered
        keys: tuple[str, ...] = ("u",)
    else:
        body, done, total, keys = pair_body(pair), pair.done, pair.total, tuple(k for k, _ in BUTTONS)
    values = {
        "title": "jury label",
        "heading": "Which answer is better?" if pair else "Done",
        "nonce": esc(nonce),
        "total": str(total),
        "done": str(done),
        "message": esc(message),
        "body": body,
        "action": esc("/label?token=" + quote(token, safe="")),
        "draw": "" if pair is None else str(pair.draw),
        "buttons": _buttons(keys),
    }
    return _SLOT.sub(lambda m: values[m.group(1)], template())
