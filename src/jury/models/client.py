"""The one path for model calls: litellm, asynchronous, bounded per provider, cached, budgeted.

Each reply is written to the store the moment it arrives, so a run that is interrupted
(Ctrl-C, kill -9, an outage) loses nothing it paid for and resumes by running again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from jury.errors import JuryError
from jury.models.budget import Budget
from jury.models.call_workers import AUTO_THRESHOLD, WorkerPool, auto_workers
from jury.models.litellm_call import call_litellm, import_litellm, is_local
from jury.models.local.registry import PROVIDER, local_models, local_spec, require_local_extra
from jury.models.policy import CallPolicy
from jury.models.request import ModelReply, ModelRequest
from jury.store import CallStore

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["ModelClient", "check_model"]


def check_model(model: str, *, api_base: str | None = None, api_key_env: str | None = None) -> None:
    """Fail before anything is spent: unknown provider, unknown local model or its extra not installed,
    missing API key. A given api_base (or key variable) stands in for the provider's own base-URL
    (or key) variable."""
    if is_local(model):
        require_local_extra(local_spec(model.split("/", 1)[1]))
        return
    litellm = import_litellm()
    try:
        litellm.get_llm_provider(model)
    except Exception:
        local = ", ".join(f"{PROVIDER}/{n}" for n in local_models())
        raise JuryError(
            f"unknown model '{model}'",
            fix=f"use a litellm model string such as openai/gpt-4o-mini, or a local model: {local}",
        ) from None
    if any(p["provider"] == model.split("/", 1)[0] for p in litellm.custom_provider_map):
        return
    missing = litellm.validate_environment(model=model).get("missing_keys") or []
    if api_base:
        missing = [k for k in missing if not k.endswith(("_API_BASE", "_BASE_URL"))]
    if api_key_env:
        if api_key_env not in os.environ:
            raise JuryError(f"model '{model}' needs {api_key_env} in the environment (api_key_env)")
        missing = [k for k in missing if not k.endswith(("_API_KEY", "_TOKEN"))]
    if missing:
        raise JuryError(
            f"model '{model}' needs {', '.join(missing)} in the environment",
            fix=f"export {missing[0]}=... (the value is never logged or stored)",
        )


class ModelClient:
    """Counts what it does: calls made, cache hits, retries, spend."""

    def __init__(self, store: CallStore, policy: CallPolicy | None = None) -> None:
        self.store = store
        self.policy = policy or CallPolicy()
        self.budget = Budget(self.policy.max_cost_usd)
        self.calls_made = 0
        self.cache_hits = 0
        self.retries = 0
        self.skipped_for_budget = 0
        # Answer from the store only: a miss is a reply marked not_made, never a call (used to rebuild
        # what a stopped run had finished).
        self.store_only = False
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._routers: dict[str, Any] = {}
        self._seed_checked: set[str] = set()
        self._pool: WorkerPool | None = None
        self._custom_providers: frozenset[str] | None = None
        # Set by jury.models.batch: keys whose reply a provider batch wrote to the store during this run
        # (counted as calls made, not cache hits), and batch rows that failed (answered as that failure).
        self.batched: set[str] = set()
        self.batch_failures: dict[str, ModelReply] = {}
        # One event loop for the client's life: litellm keeps its HTTP connection pools per loop,
        # and tearing a loop down after every batch costs seconds.
        try:
            import uvloop

            self._runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:
            self._runner = asyncio.Runner()

    def route(self, model: str, deployments: list[dict[str, Any]]) -> None:
        """Spread `model`'s calls over several deployments (servers or providers) with a litellm
        Router. Each deployment: {"model": litellm model string, "api_base"?, "api_key_env"?}."""
        litellm = import_litellm()
        model_list = []
        for d in deployments:
            params: dict[str, Any] = {"model": d["model"]}
            if d.get("api_base"):
                params["api_base"] = d["api_base"]
            if d.get("api_key_env"):
                if d["api_key_env"] not in os.environ:
                    raise JuryError(f"deployment of {model} needs {d['api_key_env']} in the environment")
                params["api_key"] = os.environ[d["api_key_env"]]
            model_list.append({"model_name": model, "litellm_params": params})
        self._routers[model] = litellm.Router(model_list=model_list, routing_strategy="simple-shuffle", num_retries=0)

    def is_routed(self, model: str) -> bool:
        return model in self._routers

    def _warn_if_unseeded(self, model: str) -> None:
        """litellm drops a seed the provider does not take; say so once, since replays may differ."""
        if model in self._seed_checked or is_local(model) or model in self._routers:
            return
        self._seed_checked.add(model)
        litellm = import_litellm()
        try:
            provider = litellm.get_llm_provider(model)[1]
            supported = litellm.get_supported_openai_params(model=model, custom_llm_provider=provider) or []
        except Exception:  # unknown to litellm's tables: nothing to say
            return
        if "seed" not in supported:
            log.warning(
                "%s does not take a seed: a repeated call may answer differently (the store keeps "
                "this run's replies, so re-running it is still reproducible)",
                model,
            )

    def _semaphore(self, request: ModelRequest) -> asyncio.Semaphore:
        local = is_local(request.model)
        key = PROVIDER if local else request.provider
        if key not in self._semaphores:
            limit = self.policy.local_concurrency if local else self.policy.concurrency
            self._semaphores[key] = asyncio.Semaphore(max(1, limit))
        return self._semaphores[key]

    async def _acall_litellm(self, request: ModelRequest) -> ModelReply:
        if request.seed is not None:
            self._warn_if_unseeded(request.model)
        if self._pool is not None and self._pool_eligible(request):
            await self._pool.start()
            reply = await self._pool.call(request)
        else:
            reply = await call_litellm(request, self.policy, self._routers.get(request.model))
        self.retries += reply.retries
        return reply

    def _plan_workers(self, requests: list[ModelRequest]) -> None:
        """Create (not start) the worker pool when this batch is worth it; workers start on the first
        call that misses the cache, so a fully cached re-run never starts one."""
        if self._pool is not None:
            return
        size = self.policy.workers if self.policy.workers is not None else auto_workers()
        if size <= 1:
            return
        if self.policy.workers is None and sum(map(self._pool_eligible, requests)) < AUTO_THRESHOLD:
            return
        self._pool = WorkerPool(size, self.policy)

    def _pool_eligible(self, request: ModelRequest) -> bool:
        """Network providers only: in-process and custom providers (and Routers) live in this process."""
        if is_local(request.model) or request.model in self._routers:
            return False
        if self._custom_providers is None:  # read once: this check runs on every call
            self._custom_providers = frozenset(p["provider"] for p in import_litellm().custom_provider_map)
        return request.provider not in self._custom_providers

    async def acall(self, request: ModelRequest, key: str | None = None) -> ModelReply:
        key = key or request.key()
        cached = self.store.get(key)
        if cached is not None:
            if key in self.batched:  # made by this run, through a provider batch
                self.batched.discard(key)
                self.calls_made += 1
                return ModelReply.from_json(cached, cached=False)
            self.cache_hits += 1
            return ModelReply.from_json(cached, cached=True)
        if key in self.batch_failures:  # failed inside a batch: an abstention, not a full-price retry
            return self.batch_failures[key]
        if self.store_only:
            return ModelReply(text="", error="not made: the run stopped before this call", not_made=True)
        async with self._semaphore(request):
            reserved = self.budget.reserve(request)
            if reserved is None:
                self.skipped_for_budget += 1
                return ModelReply(text="", error="not made: it could exceed --max-cost", not_made=True)
            reply = await self._acall_litellm(request)
            self.budget.settle(reserved, reply.usage.cost_usd)
        if reply.error is None:
            self.calls_made += 1
            self.store.put(key, request.model, request.canonical_json, reply.to_json())
        return reply

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the client's loop, where litellm's pooled HTTP clients live."""
        return self._runner.run(coroutine)

    def call(self, request: ModelRequest) -> ModelReply:
        return self.call_many([request])[0]

    def call_many(
        self, requests: Iterable[ModelRequest], on_done: Callable[[int, ModelReply], None] | None = None
    ) -> list[ModelReply]:
        """Replies in request order; `on_done(index, reply)` fires as each one completes."""
        return self._runner.run(self._gather(list(requests), on_done))

    def close(self) -> None:
        """Close litellm's pooled HTTP clients on the loop that owns them, then the loop."""
        from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

        loop = self._runner.get_loop()
        for task in asyncio.all_tasks(loop):  # after a crash, calls still queued must not start now
            task.cancel()
        try:
            if self._pool is not None:
                self._runner.run(self._pool.close())
            self._runner.run(close_litellm_async_clients())
        except Exception as exc:  # cleanup must never hide the run's result
            log.debug("closing litellm clients: %s", exc)
        self._runner.close()

    def __enter__(self) -> ModelClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _gather(
        self, requests: list[ModelRequest], on_done: Callable[[int, ModelReply], None] | None
    ) -> list[ModelReply]:
        first_of: dict[str, asyncio.Future[ModelReply]] = {}
        self._plan_workers(requests)

        async def one(index: int) -> ModelReply:
            key = requests[index].key()
            if key in first_of:  # the same request twice in one batch is one call
                self.cache_hits += 1
                shared = await asyncio.shield(first_of[key])
                reply = replace(shared, usage=replace(shared.usage, cached=True))
            else:
                first_of[key] = asyncio.ensure_future(self.acall(requests[index], key))
                reply = await first_of[key]
            if on_done is not None:
                on_done(index, reply)
            return reply

        return list(await asyncio.gather(*(one(i) for i in range(len(requests)))))
