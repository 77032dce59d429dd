"""Judge calls through providers' batch APIs (--batch): about half the price, up to 24 h of latency.

Before the normal path runs, the uncached requests of batch-capable models go to the provider as
one batch per model (OpenAI batch JSONL: custom_id = the request's cache key, body = the body a
single call sends), are polled until the provider is done, and every reply is written to the store
exactly as a single call's would be. The normal path then finds them cached: nothing downstream
knows a batch was involved.

A batch is recorded in the store after its file is uploaded and before it is created, so an
interrupted run (Ctrl-C, kill, a lost connection) resumes polling the batch it already paid for
when the same command runs again, instead of submitting it twice. A creation whose answer was lost
(a timeout, a kill) is looked up by its input file in the provider's batch list before any second
try; a first Ctrl-C lets an upload or a creation in flight finish and be recorded.

A request that fails inside a batch is an abstention with the provider's reason, not a silent
full-price call; running the same command again submits the failed ones in a new batch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from jury.errors import JuryError
from jury.models.batch_format import (
    ENDPOINT,
    WINDOW,
    batch_provider,
    field_of,
    jsonl_chunks,
    reply_from_row,
)
from jury.models.client import ModelClient
from jury.models.finish_on_interrupt import finish_then_stop
from jury.models.litellm_call import import_litellm
from jury.models.policy import is_retryable
from jury.models.redaction import redact
from jury.models.request import ModelReply, ModelRequest
from jury.store import BatchRecord

log = logging.getLogger(__name__)

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class Progress(Protocol):
    def start(self, label: str, total: int) -> Callable[[], None]: ...


@dataclass(frozen=True)
class _Endpoint:
    """Where one model's batches go. The key is handed to litellm only: never logged or stored."""

    model: str
    provider: str
    api_base: str | None
    api_key: str | None = field(default=None, repr=False)

    def kwargs(self, timeout_s: float) -> dict[str, Any]:
        # litellm builds a new SDK client for every batch call and never closes it: asking the server to
        # close each connection keeps hours of polling from leaving sockets open until garbage collection.
        # max_retries=0: the OpenAI SDK would otherwise resend a create whose answer was lost (it sends no
        # idempotency key), and a second batch runs and bills the same requests; jury's own retries look first.
        kwargs: dict[str, Any] = {
            "custom_llm_provider": self.provider,
            "timeout": timeout_s,
            "max_retries": 0,
            "extra_headers": {"Connection": "close"},
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:  # e.g. HOSTED_VLLM_API_KEY: without it litellm would send OPENAI_API_KEY
            kwargs["api_key"] = self.api_key
        return kwargs


def _endpoint(model: str, api_base: str | None) -> _Endpoint:
    _, provider, key, base = import_litellm().get_llm_provider(model, api_base=api_base)
    return _Endpoint(model, provider, api_base or base, key)


def _now() -> str:
    return datetime.now(UTC).isoformat()


# How far back, before a record's time, the provider's batch list is searched: clocks differ.
CLOCK_SLACK_S = 3600.0
RESUME_FIX = "the batch is recorded in the store: run the same command again to resume it"
NOT_SENT_FIX = "nothing was submitted: run again, or without --batch to make these calls one at a time"


class _Batches:
    """One run's batches: submitted or resumed, polled concurrently, collected into the store."""

    def __init__(self, client: ModelClient, progress: Progress) -> None:
        self.client = client
        self.store = client.store
        self.policy = client.policy
        self.progress = progress
        self.litellm = import_litellm()

    async def _call(
        self,
        what: str,
        fix: str,
        fn: Callable[..., Awaitable[Any]],
        recover: Callable[[], Awaitable[Any]] | None = None,
        record: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        """One batch-API call, retried like a single call; errors are redacted JuryErrors.
        `recover` runs before each retry: a non-None result means the failed attempt took effect.
        `record` (calls that change something at the provider) writes the result to the store as part
        of the attempt, which a first Ctrl-C lets finish (see finish_then_stop)."""

        async def attempt() -> Any:
            result = await fn(**kwargs)
            if record is not None:
                record(result)
            return result

        tries = 0
        while True:
            try:
                return await (finish_then_stop(attempt(), what) if record else attempt())
            except Exception as exc:
                message = f"{type(exc).__name__}: {redact(str(exc))[:300]}"
                if isinstance(exc, self.litellm.AuthenticationError) or getattr(exc, "status_code", None) == 401:
                    raise JuryError(f"the API key was rejected while {what}: {message}", fix=fix) from None
                if tries >= self.policy.max_retries or not is_retryable(exc):
                    raise JuryError(f"{what} failed: {message}", fix=fix) from None
            tries += 1
            await asyncio.sleep(self.policy.backoff_s(tries))
            if recover is not None and (found := await recover()) is not None:
                return found

    async def run(self, requests: list[ModelRequest]) -> None:
        groups: dict[tuple[str, str | None], dict[str, ModelRequest]] = defaultdict(dict)
        normal: Counter[str] = Counter()
        seen: set[str] = set()
        for request in requests:
            key = request.key()
            if key in seen or self.store.get(key) is not None:
                continue
            seen.add(key)
            if batch_provider(request.model) is None or self.client.is_routed(request.model):
                normal[request.model] += 1
            else:
                groups[(request.model, request.api_base)][key] = request
        for model, n in normal.items():
            why = "it is spread over deployments" if self.client.is_routed(model) else "no batch API through litellm"
            log.warning("--batch: %s has %s; its %d request(s) are made one at a time", model, why, n)
        jobs, resumed = [], set()
        for (model, api_base), todo in groups.items():
            endpoint = _endpoint(model, api_base)
            for record in self.store.open_batches(model):
                covered = self.store.batch_requests(record.id)
                if record.id not in resumed and covered.keys() & todo.keys():
                    resumed.add(record.id)
                    jobs.append(self._resume(record, covered, endpoint))
                    for key in covered:
                        todo.pop(key, None)
            jobs += [self._submit(chunk, endpoint) for chunk in jsonl_chunks(list(todo.items()))]
        await asyncio.gather(*jobs)

    async def _submit(self, rows: list[tuple[str, ModelRequest, bytes]], endpoint: _Endpoint) -> None:
        """Rows that could pass --max-cost stay out; the normal path then stops the run on them."""
        reserved, sent = 0.0, []
        for key, request, line in rows:
            amount = self.client.budget.reserve(request, batch=True)
            if amount is not None:
                reserved += amount
                sent.append((key, request, line))
        if not sent:
            return
        draft = BatchRecord(uuid.uuid4().hex, endpoint.model, endpoint.provider, "", None, "uploaded", _now())
        keys = [(key, request.canonical_json) for key, request, _ in sent]
        upload = await self._call(
            f"uploading a batch of {len(sent)} request(s) for {endpoint.model}",
            NOT_SENT_FIX,
            self.litellm.acreate_file,
            record=lambda up: self.store.add_batch(replace(draft, input_file_id=up.id), keys),
            file=(f"jury-{draft.id}.jsonl", b"".join(line for _, _, line in sent), "application/jsonl"),
            purpose="batch",
            **endpoint.kwargs(self.policy.timeout_s),
        )
        record = replace(draft, input_file_id=upload.id)
        record = await self._create(record, endpoint, resumed=False)
        log.warning(
            "--batch: submitted %d request(s) for %s as batch %s; the provider answers within %s. "
            "Interrupting is safe: the same command resumes it",
            len(sent),
            endpoint.model,
            record.batch_id,
            WINDOW,
        )
        await self._follow(record, self.store.batch_requests(record.id), endpoint, charge=reserved)

    async def _resume(self, record: BatchRecord, covered: dict[str, str], endpoint: _Endpoint) -> None:
        """A batch from an earlier, interrupted run; its cost was reserved by that run."""
        if record.batch_id is None:  # interrupted between upload and creation
            record = await self._create(record, endpoint, resumed=True)
        log.warning(
            "--batch: resuming batch %s (%d request(s) for %s, submitted %s)",
            record.batch_id,
            len(covered),
            record.model,
            record.submitted_at,
        )
        await self._follow(record, covered, endpoint, charge=None)

    async def _find(self, record: BatchRecord, endpoint: _Endpoint) -> Any:
        """The provider's batch created from the record's file, if any: a create whose answer was
        lost (a timeout, an interrupt, a crash before the record was updated) must not be paid for
        twice. Pages back through the provider's list, newest first, to the record's time; a list
        that cannot be read stops the run (to be resumed) rather than risk a second batch."""
        oldest = datetime.fromisoformat(record.submitted_at).timestamp() - CLOCK_SLACK_S
        after = None
        while True:
            page = await self._call(
                f"listing batches to find the one made from file {record.input_file_id}",
                RESUME_FIX,
                self.litellm.alist_batches,
                limit=100,
                after=after,
                **endpoint.kwargs(self.policy.timeout_s),
            )
            batches = field_of(page, "data") or []
            found = next((b for b in batches if field_of(b, "input_file_id") == record.input_file_id), None)
            if found is not None or not batches or not field_of(page, "has_more"):
                return found
            if (field_of(batches[-1], "created_at") or 0) < oldest:
                return None
            after = field_of(batches[-1], "id")

    async def _create(self, record: BatchRecord, endpoint: _Endpoint, resumed: bool) -> BatchRecord:
        """Create the batch from the uploaded file, unless an earlier attempt already did."""

        def note(batch: Any) -> None:
            self.store.update_batch(record.id, status=batch.status, batch_id=batch.id)

        batch = await self._find(record, endpoint) if resumed else None
        if batch is None:
            batch = await self._call(
                f"creating the batch for {endpoint.model} (file {record.input_file_id})",
                RESUME_FIX,
                self.litellm.acreate_batch,
                recover=lambda: self._find(record, endpoint),
                record=note,
                completion_window=WINDOW,
                endpoint=ENDPOINT,
                input_file_id=record.input_file_id,
                metadata={"jury_batch": record.id},
                **endpoint.kwargs(self.policy.timeout_s),
            )
        note(batch)  # found by listing (or noted already: the same write again)
        return replace(record, batch_id=batch.id, status=batch.status)

    async def _follow(
        self, record: BatchRecord, covered: dict[str, str], endpoint: _Endpoint, charge: float | None
    ) -> None:
        """Poll until the provider is done, advancing a bar by the rows it reports finished.
        `charge`: the amount this run reserved under --max-cost; None for a batch an earlier run paid."""
        advance = self.progress.start(f"batch {record.batch_id} ({record.model})", len(covered))
        shown, status = 0, record.status
        while True:
            batch = await self._call(
                f"polling batch {record.batch_id}",
                RESUME_FIX,
                self.litellm.aretrieve_batch,
                batch_id=record.batch_id,
                **endpoint.kwargs(self.policy.timeout_s),
            )
            if batch.status != status:
                status = batch.status
                self.store.update_batch(record.id, status=status)
            counts = batch.request_counts
            done = min(len(covered), (counts.completed + counts.failed) if counts else 0)
            for _ in range(done - shown):
                advance()
            shown = max(shown, done)
            if status in TERMINAL:
                break
            await asyncio.sleep(self.policy.batch_poll_s)
        cost = await self._collect(record, batch, covered, endpoint)
        for _ in range(len(covered) - shown):
            advance()
        self.store.update_batch(record.id, status=status, collected=True)
        if charge is not None:
            self.client.budget.settle(charge, cost)

    async def _rows(self, file_id: str | None, endpoint: _Endpoint, record: BatchRecord) -> list[dict[str, Any]]:
        if not file_id:
            return []
        content = await self._call(
            f"downloading the results of batch {record.batch_id}",
            RESUME_FIX,
            self.litellm.afile_content,
            file_id=file_id,
            **endpoint.kwargs(self.policy.timeout_s),
        )
        data = getattr(content, "content", content)
        text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    async def _collect(self, record: BatchRecord, batch: Any, covered: dict[str, str], endpoint: _Endpoint) -> float:
        """Every covered request ends stored, or failed with a reason; returns the batch's cost."""
        rows = await self._rows(batch.output_file_id, endpoint, record)
        rows += await self._rows(batch.error_file_id, endpoint, record)
        # Per-request latency is not observable in a batch: each row gets an equal share of the turnaround.
        turnaround = (datetime.now(UTC) - datetime.fromisoformat(record.submitted_at)).total_seconds()
        latency = turnaround / max(1, len(covered))
        failures: dict[str, ModelReply] = {}
        cost = 0.0
        for row in rows:
            key = row.get("custom_id")
            if key not in covered:
                continue
            reply = reply_from_row(row, record.model, latency)
            if reply.error is not None:
                failures[key] = reply
            elif self.store.get(key) is None:
                self.store.put(key, record.model, covered[key], reply.to_json())
                self.client.batched.add(key)
                cost += reply.usage.cost_usd
        answered = {row.get("custom_id") for row in rows}
        errors = [field_of(e, "message") for e in (field_of(field_of(batch, "errors"), "data") or [])]
        missing = f"the provider's batch ended '{batch.status}'" + (
            f": {redact(str(errors[0]))[:200]}" if errors else ""
        )
        failures |= {k: ModelReply(text="", error=missing) for k in covered if k not in answered}
        self.client.batch_failures |= failures
        if failures:
            log.warning(
                "--batch: %d of %d request(s) in batch %s failed (first: %s); they count as abstentions, "
                "and running the same command again submits them in a new batch",
                len(failures),
                len(covered),
                record.batch_id,
                next(iter(failures.values())).error,
            )
        return cost


def warn_of_open_batches(client: ModelClient, requests: list[ModelRequest]) -> None:
    """A run without --batch pays full price for requests an interrupted --batch run already paid for."""
    open_batches = client.store.open_batches()
    if not open_batches:
        return
    keys = {r.key() for r in requests}
    covering = [b for b in open_batches if keys & client.store.batch_requests(b.id).keys()]
    if covering:
        log.warning(
            "%d provider batch(es) from an interrupted --batch run (%s) cover requests of this run: "
            "add --batch to collect them instead of paying for these calls again",
            len(covering),
            ", ".join(b.batch_id or b.id for b in covering),
        )


def answer_in_batches(client: ModelClient, requests: list[ModelRequest], progress: Progress) -> None:
    """Answer the uncached requests of batch-capable models through provider batches, into the store
    (and failed rows into client.batch_failures); the other requests are left to the normal path."""
    client.run(_Batches(client, progress).run(requests))
