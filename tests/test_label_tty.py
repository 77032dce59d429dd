"""`jury label --tty`: keys fed on stdin, and the real command in a pseudo-terminal, where one key press
(no Enter) answers a pair; text from the run cannot drive the terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.labels.tty import visible

from .label_fixtures import label_rows, make_run


def test_keys_on_stdin_label_skip_undo_and_quit(tmp_path):
    run = make_run(tmp_path / "run", n_single=2, n_two_turn=1)
    result = CliRunner().invoke(
        cli.app, ["label", str(run.report_dir), "--tty", "--labeller", "ann", "--sample", "3"], input="1 x s u 0 2 q"
    )
    assert result.exit_code == 0, result.output
    rows = label_rows(run.report_dir)
    assert [(r["kind"], r["winner"] is not None) for r in rows] == [
        ("label", True), ("skip", False), ("undo", False), ("label", True), ("label", True)
    ]  # fmt: skip
    assert {r["via"] for r in rows} == {"tty"}
    out = result.output
    assert "x is not a key here" in out and "[1 of 3] Which answer is better?" in out and "[3 of 3]" in out
    assert "=== User, turn 2 (compare the answers to this turn) ===" in out or "=== Question ===" in out
    assert "Every planned pair is answered (3)" in out and "ann: 3 labelled, 0 skipped" in out


def test_a_two_turn_unit_shows_the_whole_conversation(tmp_path):
    run = make_run(tmp_path / "run", n_single=0, n_two_turn=1)
    args = ["label", str(run.report_dir), "--tty", "--labeller", "ann", "--sample", "2"]
    out = CliRunner().invoke(cli.app, args, input="1 q").output  # both turns come up, in some order
    assert "=== Question ===\nChat 1, first?\n" in out  # turn 1 alone is a plain question
    conversation = out[out.index("=== User, turn 1 (context) ===") :]
    assert conversation.index("Chat 1, first?") < conversation.index("--- Answer 2 (turn 1) ---")
    turn2 = conversation.index("=== User, turn 2 (compare the answers to this turn) ===\nChat 1, second?")
    assert conversation.index("--- Answer 1 (turn 1) ---") < turn2 < conversation.index("--- Answer 2 (turn 2) ---")


def test_control_characters_from_the_run_are_shown_not_obeyed():
    assert visible("a\x1b]0;owned\x07b\rc\u202ed\n\te") == "a\\u001b]0;owned\\u0007b\\u000dc\\u202ed\n\te"


class Screen:
    """All a pseudo-terminal printed; `expect` waits for text after what the last expect matched."""

    def __init__(self, fd: int) -> None:
        self.fd, self.text, self.mark = fd, "", 0

    def expect(self, text: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while text not in self.text[self.mark :]:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"no {text!r} in the terminal after {timeout}s: {self.text[-2000:]!r}")
            self.text += os.read(self.fd, 65536).decode("utf-8", "replace")
        self.mark = self.text.index(text, self.mark) + len(text)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminal test on Linux")
def test_one_key_press_answers_a_pair_in_a_terminal(tmp_path):
    run = make_run(tmp_path / "run", n_single=3, hostile=True)
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jury", "label", str(run.report_dir), "--tty", "--labeller", "ann", "--sample", "3"],
        stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True,
    )  # fmt: skip
    os.close(terminal)
    screen = Screen(controller)
    try:
        for key, done in (("1", "[2 of 3]"), ("0", "[3 of 3]")):
            screen.expect("q: quit > ")
            os.write(controller, key.encode())  # no Enter: the terminal is in cbreak mode
            screen.expect(done)
        screen.expect("q: quit > ")
        os.write(controller, b"q")
        assert proc.wait(30) == 0
    finally:
        proc.kill()
        os.close(controller)
    assert [r["kind"] for r in label_rows(run.report_dir)] == ["label", "label"]
