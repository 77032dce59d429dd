"""Appending to human_labels.jsonl so that nothing given is lost: each action's rows go in one write to a
file opened in append mode, then fsync, before the labeller sees the next pair. Closing the page, Ctrl-C or
kill -9 can only stop the tool between two writes. Other labellers may append to the same file at the same
time (an exclusive lock around each write); one labeller may run one session per run at a time."""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from jury.errors import JuryError
from jury.io.human_labels import LabelRow, RunIdentity, row_json

try:  # POSIX; elsewhere labellers must not run two sessions at once
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode(rows: Sequence[LabelRow], run: RunIdentity) -> bytes:
    return "".join(json.dumps(row_json(r, run), ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _check_tail(fd: int, path: Path) -> None:
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        raise JuryError(
            "the last line is incomplete (a write was cut off)",
            where=str(path),
            fix="delete that last partial line; every line before it is intact",
        )


def append_rows(path: Path, rows: Sequence[LabelRow], run: RunIdentity) -> None:
    """One write, flushed to disk before returning; a new file's folder entry is synced too."""
    data = encode(rows, run)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _check_tail(fd, path)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    if created and hasattr(os, "O_DIRECTORY"):
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextmanager
def labeller_lock(path: Path, labeller: str) -> Iterator[None]:
    """Held while a session runs: a second session of the same labeller on the same run is refused."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = path.with_name("." + path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    offset = zlib.crc32(labeller.encode("utf-8"))  # one byte per labeller in one lock file
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
        except OSError:
            raise JuryError(
                f"labeller {labeller!r} is already labelling this run in another `jury label`",
                where=str(path.parent),
                fix="finish that session, or label under another --labeller name",
            ) from None
        yield
    finally:
        os.close(fd)
