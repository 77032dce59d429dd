"""The one user-facing error type: what was wrong, where, and how to fix it."""

from __future__ import annotations


class JuryError(Exception):
    """A problem the user can fix; the CLI prints it as one line, without a traceback."""

    def __init__(self, problem: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        return f"{text} ({self.fix})" if self.fix else text
