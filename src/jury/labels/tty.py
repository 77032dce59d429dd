"""`jury label --tty`: the same session in a terminal (for SSH). One key per pair, no Enter needed when
stdin is a terminal; piped input is read one key at a time too. Text from the run is printed with
terminal control characters made visible, so an answer cannot move the cursor, recolour or retitle the
terminal, or reorder what is shown with bidirectional overrides."""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from jury.labels.session import KEYS, LabelSession, Pair
from jury.turns import user_turns

QUIT = "q"
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
RULE = "-" * 72


def visible(text: str) -> str:
    """Control characters (ESC, CR, backspace, C1, bidi controls) as escapes; newlines and tabs kept."""
    return "".join(
        f"\\u{ord(ch):04x}" if ch in _BIDI or (unicodedata.category(ch) == "Cc" and ch not in "\n\t") else ch
        for ch in text
    )


def show(pair: Pair, out: TextIO) -> None:
    unit = pair.unit
    first, second = pair.answers
    out.write(f"\n{RULE}\n[{pair.done + 1} of {pair.total}] Which answer is better?\n")
    questions = user_turns(unit.item)[: unit.turn]
    for n, question in enumerate(questions, start=1):
        if unit.turn > 1:
            what = "compare the answers to this turn" if n == unit.turn else "context"
            out.write(f"\n=== User, turn {n} ({what}) ===\n")
        else:
            out.write("\n=== Question ===\n")
        out.write(visible(question) + "\n")
        for k, answers in ((1, first), (2, second)):
            out.write(f"\n--- Answer {k}{f' (turn {n})' if unit.turn > 1 else ''} ---\n{visible(answers[n - 1])}\n")
    out.flush()


@contextmanager
def keys_mode(stream: TextIO) -> Iterator[None]:
    """A terminal gives each key at once, unechoed (cbreak; Ctrl-C still interrupts), for the whole session:
    a key typed early is kept, not flushed. Piped input is left alone."""
    if not stream.isatty():
        yield
        return
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_key(stream: TextIO) -> str | None:
    """One key from a terminal; from piped input the next non-blank character. None at the end (or Ctrl-D)."""
    if stream.isatty():
        key = os.read(stream.fileno(), 1).decode("utf-8", "replace")
        return None if key in ("", "\x04") else key
    while True:
        key = stream.read(1)
        if key == "":
            return None
        if not key.isspace():
            return key


def run_tty(session: LabelSession, stdin: TextIO | None = None, out: TextIO | None = None) -> None:
    """Until every planned pair is answered, q, or the end of the input; every answer is already saved."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    with keys_mode(stdin):
        _loop(session, stdin, out)


def _loop(session: LabelSession, stdin: TextIO, out: TextIO) -> None:
    while True:
        pair = session.current()
        if pair is None:
            out.write(f"\nEvery planned pair is answered ({session.answered_count}). u undoes the latest, q quits: ")
            allowed = ("u", QUIT)
        else:
            show(pair, out)
            out.write("\n1 / 2: that answer is better, 0: tie, s: skip, u: undo, q: quit > ")
            allowed = (*KEYS, QUIT)
        out.flush()
        key = _next_key(stdin, out, allowed)
        if key is None or key == QUIT:
            out.write("\n")
            return
        out.write(f"{key}: {session.act(key, pair.draw if pair else None)}\n")


def _next_key(stdin: TextIO, out: TextIO, allowed: tuple[str, ...]) -> str | None:
    while True:
        key = read_key(stdin)
        if key is None:
            return None
        key = key.lower()
        if key in allowed:
            return key
        out.write(f"\n{visible(key)!s} is not a key here; use {' '.join(allowed)} > ")
        out.flush()
