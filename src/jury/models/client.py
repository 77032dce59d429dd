"""Model calls through litellm, cached by request hash in the store.

A request's identity is the canonical JSON of model, messages, parameters and
replicate index (never timeouts or retry counts): asking twice is one cache hit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from jury.errors import JuryError
from jury.models.local_registry import PROVIDER, local_models, local_spec
from jury.models.redaction import redact
from jury.records import Usage
from jury.store import CallStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int | None = 0
    top_logprobs: int = 0
    stop: tuple[str, ...] = ()
    replicate: int = 0

    def canonical(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": r, "content": c} for r, c in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "top_logprobs": self.top_logprobs,
            "stop": list(self.stop),
            "replicate": self.replicate,
        }

    def key(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ModelReply:
    text: str
    # Top alternatives for the first generated token: what verdict probabilities are read from.
    first_token_top: tuple[tuple[str, float], ...] = ()
    usage: Usage = field(default_factory=Usage)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "first_token_top": [list(t) for t in self.first_token_top],
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost_usd": self.usage.cost_usd,
            "latency_s": self.usage.latency_s,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], cached: bool) -> ModelReply:
        return cls(
            text=data["text"],
            first_token_top=tuple((str(t), float(v)) for t, v in data["first_token_top"]),
            usage=Usage(
                data["prompt_tokens"], data["completion_tokens"], data["cost_usd"], data["latency_s"], cached=cached
            ),
        )


def import_litellm():  # type: ignore[no-untyped-def]
    """litellm fetches its price list at import unless told to use the bundled copy."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    from jury.models.local_provider import register_local_provider

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # providers that reject seed/logprobs get the call without them
    register_local_provider()
    return litellm


def is_local(model: str) -> bool:
    return model.startswith(f"{PROVIDER}/")


def check_model(model: str) -> None:
    """Fail before anything is spent: unknown provider, unknown local model, missing API key."""
    if is_local(model):
        local_spec(model.split("/", 1)[1])
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
    if missing:
        raise JuryError(
            f"model '{model}' needs {', '.join(missing)} in the environment",
            fix=f"export {missing[0]}=... (the value is never logged or stored)",
        )


def _first_token_top(response: Any) -> tuple[tuple[str, float], ...]:
    logprobs = getattr(response.choices[0], "logprobs", None)
    if logprobs is None:
        return ()
    content = logprobs.get("content") if isinstance(logprobs, dict) else getattr(logprobs, "content", None)
    if not content:
        return ()
    first = content[0]
    top = first.get("top_logprobs") if isinstance(first, dict) else first.top_logprobs
    pairs = []
    for entry in top or []:
        token = entry.get("token") if isinstance(entry, dict) else entry.token
        value = entry.get("logprob") if isinstance(entry, dict) else entry.logprob
        pairs.append((str(token), float(value)))
    return tuple(pairs)


class ModelClient:
    """Calls models through litellm; local models run one at a time, remote ones concurrently."""

    def __init__(self, store: CallStore, concurrency: int = 8, num_retries: int = 3, timeout_s: float = 120.0) -> None:
        self.store = store
        self.concurrency = concurrency
        self.num_retries = num_retries
        self.timeout_s = timeout_s
        self.calls_made = 0
        self.cache_hits = 0

    def call(self, request: ModelRequest) -> ModelReply:
        key = request.key()
        cached = self.store.get(key)
        if cached is not None:
            self.cache_hits += 1
            return ModelReply.from_json(cached, cached=True)
        reply = self._call_litellm(request)
        if reply.error is None:
            self.store.put(key, request.model, request.canonical(), reply.to_json())
        return reply

    def _call_litellm(self, request: ModelRequest) -> ModelReply:
        litellm = import_litellm()
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": r, "content": c} for r, c in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.top_logprobs:
            kwargs["logprobs"] = True
            kwargs["top_logprobs"] = request.top_logprobs
        if request.stop:
            kwargs["stop"] = list(request.stop)
        if not is_local(request.model):
            kwargs["num_retries"] = self.num_retries
            kwargs["timeout"] = self.timeout_s
        started = time.perf_counter()
        try:
            response = litellm.completion(**kwargs)
        except litellm.AuthenticationError as exc:
            raise JuryError(f"{request.model} rejected the API key: {redact(str(exc))[:300]}") from None
        except Exception as exc:  # after litellm's retries: recorded, never fatal to the run
            log.warning("call to %s failed: %s", request.model, redact(str(exc))[:300])
            return ModelReply(text="", error=f"{type(exc).__name__}: {redact(str(exc))[:300]}")
        self.calls_made += 1
        try:
            cost = float(litellm.completion_cost(completion_response=response) or 0.0)
        except Exception:  # models missing from litellm's price map cost nothing we can know
            cost = 0.0
        usage = getattr(response, "usage", None)
        return ModelReply(
            text=response.choices[0].message.content or "",
            first_token_top=_first_token_top(response),
            usage=Usage(
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                cost_usd=cost,
                latency_s=time.perf_counter() - started,
            ),
        )

    def call_many(
        self, requests: Iterable[ModelRequest], on_done: Callable[[int, ModelReply], None] | None = None
    ) -> list[ModelReply]:
        """Replies in request order; `on_done(index, reply)` fires as each one completes."""
        requests = list(requests)
        replies: list[ModelReply | None] = [None] * len(requests)

        def run(index: int) -> None:
            replies[index] = self.call(requests[index])
            if on_done is not None:
                on_done(index, replies[index])

        remote = [i for i, r in enumerate(requests) if not is_local(r.model)]
        local = [i for i, r in enumerate(requests) if is_local(r.model)]
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            futures = [pool.submit(run, i) for i in remote]
            for i in local:  # llama.cpp in-process: one call at a time
                run(i)
            for future in futures:
                future.result()
        return [r for r in replies if r is not None]
