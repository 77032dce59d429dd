"""Content-addressed cache of model replies, keyed by the hash of the canonical request, and the
ledger of provider batches (--batch) whose replies are still to be written into it."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.store.migrations import migrate


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class BatchRecord:
    """One provider batch: written after its file is uploaded and before it is created, so no
    batch the provider bills for can be created without a record to resume it from."""

    id: str  # jury's id for the submission
    model: str
    provider: str
    input_file_id: str
    batch_id: str | None  # the provider's id; None until the batch is created
    status: str  # the provider's last reported status ("uploaded" before creation)
    submitted_at: str
    collected_at: str | None = None


class CallStore:
    """One SQLite file; each reply is committed the moment it arrives (WAL, one writer lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._lock:
                migrate(self._db)
        except (OSError, sqlite3.DatabaseError) as exc:  # a file where the folder should be, a foreign file, ...
            raise JuryError(
                f"cannot open the store: {type(exc).__name__}: {exc}",
                where=str(path),
                fix="point --store (or $JURY_HOME) at a folder jury may write to",
            ) from None

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
                (key, model, blob, json.dumps(reply), _now()),
            )

    def add_batch(self, record: BatchRecord, requests: list[tuple[str, str]]) -> None:
        """The record and its (key, canonical request JSON) rows, in one transaction."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.model,
                        record.provider,
                        record.input_file_id,
                        record.batch_id,
                        record.status,
                        record.submitted_at,
                        _now(),
                        record.collected_at,
                    ),
                )
                self._db.executemany(
                    "INSERT INTO batch_requests VALUES (?, ?, ?)", [(record.id, k, r) for k, r in requests]
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def update_batch(
        self, record_id: str, *, status: str, batch_id: str | None = None, collected: bool = False
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE batches SET status = ?, batch_id = COALESCE(?, batch_id), updated_at = ?,"
                " collected_at = CASE WHEN ? THEN ? ELSE collected_at END WHERE id = ?",
                (status, batch_id, _now(), collected, _now(), record_id),
            )

    def open_batches(self, model: str | None = None) -> list[BatchRecord]:
        """Batches whose replies are not all written yet, oldest first."""
        query = (
            "SELECT id, model, provider, input_file_id, batch_id, status, submitted_at, collected_at"
            " FROM batches WHERE collected_at IS NULL AND (? IS NULL OR model = ?) ORDER BY submitted_at"
        )
        with self._lock:
            rows = self._db.execute(query, (model, model)).fetchall()
        return [BatchRecord(*row) for row in rows]

    def batch_requests(self, record_id: str) -> dict[str, str]:
        """key -> canonical request JSON, for every request a batch covers."""
        with self._lock:
            rows = self._db.execute("SELECT key, request FROM batch_requests WHERE batch = ?", (record_id,))
            return dict(rows.fetchall())

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
