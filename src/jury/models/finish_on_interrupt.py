"""Calls that change something at a provider (an upload, a batch's creation) and the store write
that records them, carried through a first Ctrl-C so the store never misses what the provider did."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # seen: an abandoned attempt's error is no "never retrieved" noise


async def finish_then_stop(attempt: Awaitable[T], what: str) -> T:
    """Await a call that changes something at the provider together with its store write. A first
    Ctrl-C cancels the run: the call in flight is let finish (and recorded) before the cancellation
    goes on, so an upload or a batch the provider made is never unknown to the store. A second
    Ctrl-C stops at once (a batch created then is found by its input file when the run resumes)."""
    inner = asyncio.ensure_future(attempt)
    inner.add_done_callback(_consume)
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        if not inner.done():
            log.warning("interrupted while %s: waiting for its answer, to record it (Ctrl-C again stops at once)", what)
            try:
                with contextlib.suppress(Exception):  # failed: nothing to record
                    await asyncio.shield(inner)
            except asyncio.CancelledError:
                inner.cancel()
        raise
