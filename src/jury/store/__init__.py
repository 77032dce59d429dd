"""The SQLite store: every model reply is written as it completes, so nothing paid for is lost."""

from jury.store.cache import BatchRecord, CallStore

__all__ = ["BatchRecord", "CallStore"]
