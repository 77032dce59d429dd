"""A model request and its reply: plain records, hashed for the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jury.records import Usage


@dataclass(frozen=True)
class ModelRequest:
    """Identity is the canonical JSON of these fields: never timeouts or retry counts."""

    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content)
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int | None = 0
    top_logprobs: int = 0
    stop: tuple[str, ...] = ()
    replicate: int = 0
    # Score the final (assistant) message instead of answering: ask for the log-probability of each
    # prompt token with this many alternatives (vLLM's `prompt_logprobs`; 0 = the token's own only).
    prompt_logprobs: int | None = None
    # Where to send it (a vLLM / llama.cpp / proxy server): not part of the identity, like timeouts.
    api_base: str | None = None

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    def canonical(self) -> dict[str, Any]:
        # prompt_logprobs joins the identity only when set, so the keys of every other request (and the
        # replies already stored under them) stay what they were.
        scoring = {} if self.prompt_logprobs is None else {"prompt_logprobs": self.prompt_logprobs}
        return {
            "model": self.model,
            "messages": [{"role": r, "content": c} for r, c in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "top_logprobs": self.top_logprobs,
            "stop": list(self.stop),
            "replicate": self.replicate,
            **scoring,
        }

    def chat_params(self) -> dict[str, Any]:
        """The OpenAI chat-completions parameters, as litellm is given them on every path
        (one call, or a row of a provider batch)."""
        params: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.seed is not None:
            params["seed"] = self.seed
        if self.top_logprobs:
            params["logprobs"] = True
            params["top_logprobs"] = self.top_logprobs
        if self.prompt_logprobs is not None:
            # vLLM's names: score the final assistant message as it stands instead of opening a new turn
            params["prompt_logprobs"] = self.prompt_logprobs
            params["continue_final_message"] = True
            params["add_generation_prompt"] = False
        if self.stop:
            params["stop"] = list(self.stop)
        return params

    @cached_property
    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)

    def key(self) -> str:
        return hashlib.sha256(self.canonical_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ModelReply:
    text: str
    # Top alternatives for the first generated token: what verdict probabilities are read from.
    first_token_top: tuple[tuple[str, float], ...] = ()
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    retries: int = 0
    # True when no call was made: it could have exceeded --max-cost, or the client only reads the
    # store (a stopped run's record is rebuilt from what was stored); `error` says which.
    not_made: bool = False
    # Scoring requests: log P(token | everything before it) for each token of the final message;
    # None when the provider returned no prompt log-probabilities that cover it.
    answer_logprobs: tuple[float, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        scored = {} if self.answer_logprobs is None else {"answer_logprobs": list(self.answer_logprobs)}
        return {
            "text": self.text,
            "first_token_top": [list(t) for t in self.first_token_top],
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost_usd": self.usage.cost_usd,
            "latency_s": self.usage.latency_s,
            **scored,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], cached: bool) -> ModelReply:
        answer = data.get("answer_logprobs")  # absent from replies stored before scoring existed
        return cls(
            text=data["text"],
            first_token_top=tuple((str(t), float(v)) for t, v in data["first_token_top"]),
            usage=Usage(
                data["prompt_tokens"], data["completion_tokens"], data["cost_usd"], data["latency_s"], cached=cached
            ),
            answer_logprobs=None if answer is None else tuple(float(v) for v in answer),
        )
