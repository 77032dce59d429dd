"""Named, append-only schema migrations: never edit one that has shipped, add a new one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((name, fn))
        return fn

    return register


@migration("m001_calls")
def _calls(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE calls (
            key TEXT PRIMARY KEY,        -- sha256 of the canonical request
            model TEXT NOT NULL,
            request TEXT NOT NULL,       -- canonical JSON of the request
            reply TEXT NOT NULL,         -- JSON of the reply
            created_at TEXT NOT NULL
        )"""
    )


@migration("m002_batches")
def _batches(db: sqlite3.Connection) -> None:
    """Provider batches (--batch): recorded before they can cost anything, so an interrupted run
    resumes polling the batch it paid for instead of submitting the same requests again."""
    db.execute(
        """CREATE TABLE batches (
            id TEXT PRIMARY KEY,           -- jury's id for one submission
            model TEXT NOT NULL,           -- the litellm model string of every request in it
            provider TEXT NOT NULL,
            input_file_id TEXT NOT NULL,   -- the uploaded JSONL of requests
            batch_id TEXT,                 -- the provider's batch id; NULL until the batch is created
            status TEXT NOT NULL,          -- the last status the provider reported
            submitted_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            collected_at TEXT              -- replies written to calls; NULL while the batch is open
        )"""
    )
    db.execute(
        """CREATE TABLE batch_requests (
            batch TEXT NOT NULL REFERENCES batches(id),
            key TEXT NOT NULL,             -- the request's cache key, sent as the row's custom_id
            request TEXT NOT NULL,         -- its canonical JSON, so any run can store the reply
            PRIMARY KEY (batch, key)
        )"""
    )
    db.execute("CREATE INDEX batch_requests_key ON batch_requests(key)")


def migrate(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db:
            fn(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, datetime.now(UTC).isoformat()))
