"""The one user-facing error type: what was wrong, where, and how to fix it."""

from __future__ import annotations

import re

# Every character str.splitlines breaks on: a key or value quoted from a file may hold any of them.
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


class JuryError(Exception):
    """A problem the user can fix; the CLI prints it as one line, without a traceback."""

    def __init__(self, problem: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        text = f"{text} ({self.fix})" if self.fix else text
        return _LINE_BREAKS.sub(" ", text)
