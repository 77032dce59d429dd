"""The OpenAI batch file format, which litellm passes through for OpenAI-compatible providers:
request rows out (custom_id = the request's cache key, body = what a single call sends), reply
rows in (the reply a single call would have stored, priced at batch rates)."""

from __future__ import annotations

import json
from typing import Any

from jury.models.budget import price
from jury.models.litellm_call import first_token_top, import_litellm, is_local
from jury.models.redaction import redact
from jury.models.request import ModelReply, ModelRequest
from jury.records import Usage

# Providers whose batches litellm sends to an OpenAI-compatible files + batches API (api_base honoured).
# Azure, Vertex AI, Bedrock, Anthropic and Mistral have batch APIs in litellm too, with their own endpoints, formats or
# storage; they are not enabled because no test exercises them offline (they take normal calls).
BATCH_PROVIDERS = frozenset({"openai", "hosted_vllm", "litellm_proxy"})
ENDPOINT = "/v1/chat/completions"
WINDOW = "24h"
MAX_ROWS = 50_000  # OpenAI's limits per batch: 50,000 requests, a 200 MB input file
MAX_BYTES = 150 * 1024 * 1024


def batch_provider(model: str) -> str | None:
    """The litellm provider that takes `model`'s requests as a batch, or None (normal calls)."""
    if is_local(model):
        return None
    try:
        provider = import_litellm().get_llm_provider(model)[1]
    except Exception:  # unknown to litellm: check_model has already said so
        return None
    return provider if provider in BATCH_PROVIDERS else None


def batch_body(request: ModelRequest) -> dict[str, Any]:
    """The chat-completions body a single call of `request` sends, mapped by litellm's own
    parameter rules (e.g. max_completion_tokens for o-series models, unsupported ones dropped)."""
    from litellm.utils import get_optional_params

    name, provider, _, _ = import_litellm().get_llm_provider(request.model)
    optional = get_optional_params(model=name, custom_llm_provider=provider, **request.chat_params())
    optional.pop("stream", None)
    extra = optional.pop("extra_body", None) or {}
    return {"model": name, "messages": [{"role": r, "content": c} for r, c in request.messages], **optional, **extra}


def jsonl_chunks(rows: list[tuple[str, ModelRequest]]) -> list[list[tuple[str, ModelRequest, bytes]]]:
    """Rows as JSONL lines, split so no file passes the provider's row or size limit."""
    chunks: list[list[tuple[str, ModelRequest, bytes]]] = [[]]
    size = 0
    for key, request in rows:
        row = {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": batch_body(request)}
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        if chunks[-1] and (len(chunks[-1]) >= MAX_ROWS or size + len(line) > MAX_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append((key, request, line))
        size += len(line)
    return [c for c in chunks if c]


def field_of(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def reply_from_row(row: dict[str, Any], model: str, latency_s: float) -> ModelReply:
    """One line of a batch's output or error file -> the reply a single call would have stored,
    priced at the provider's batch rates; a failed row -> a reply carrying the provider's reason."""
    response = row.get("response") or {}
    body = response.get("body") or {}
    if row.get("error") or response.get("status_code") != 200 or not body.get("choices"):
        error = row.get("error") or body.get("error") or {}
        reason = error.get("message") or f"HTTP {response.get('status_code')}"
        code = error.get("code") or error.get("type") or "error"
        return ModelReply(text="", error=redact(f"failed in the provider's batch ({code}): {reason}")[:300])
    usage = body.get("usage") or {}
    prompt_tokens = int(usage.get("prompt_tokens") or 0)
    completion_tokens = int(usage.get("completion_tokens") or 0)
    choice = body["choices"][0]
    return ModelReply(
        text=(choice.get("message") or {}).get("content") or "",
        first_token_top=first_token_top(choice),
        usage=Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=price(model, prompt_tokens, completion_tokens, batch=True) or 0.0,
            latency_s=latency_s,
        ),
    )
