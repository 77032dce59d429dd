"""Content-addressed cache of model replies, keyed by the hash of the canonical request."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jury.store.migrations import migrate


class CallStore:
    """One SQLite file; each reply is committed the moment it arrives (WAL, one writer lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            migrate(self._db)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM calls WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, request: dict[str, Any] | str, reply: dict[str, Any]) -> None:
        """`request` is the canonical request, as a dict or already as its canonical JSON."""
        blob = request if isinstance(request, str) else json.dumps(request, sort_keys=True)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?)",
                (key, model, blob, json.dumps(reply), datetime.now(UTC).isoformat()),
            )

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
