"""The litellm call path: importing litellm the one right way, building a call's arguments, making
it with jury's retry policy, and turning litellm's response into a ModelReply.

Both the in-process client (client.py) and the worker processes (call_workers.py) import this
module, and it imports neither, so the call path has one definition and no import circle.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from jury.errors import JuryError
from jury.models.budget import price
from jury.models.local.registry import PROVIDER
from jury.models.policy import CallPolicy, is_retryable
from jury.models.prompt_logprobs import answer_logprobs
from jury.models.redaction import redact
from jury.models.request import ModelReply, ModelRequest
from jury.records import Usage

log = logging.getLogger(__name__)


def is_local(model: str) -> bool:
    return model.startswith(f"{PROVIDER}/")


def import_litellm():  # type: ignore[no-untyped-def]
    """litellm fetches its price list at import unless told to use the bundled copy."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    from jury.models.local.provider import register_local_provider

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # providers that reject seed/logprobs get the call without them
    register_local_provider()
    return litellm


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def first_token_top(choice: Any) -> tuple[tuple[str, float], ...]:
    """The first token's alternatives from a choice, as litellm's object or as the provider's JSON."""
    content = _field(_field(choice, "logprobs") or {}, "content")
    if not content:
        return ()
    top = _field(content[0], "top_logprobs") or []
    return tuple((str(_field(e, "token")), float(_field(e, "logprob"))) for e in top)


def _reply_from(response: Any, request: ModelRequest, started: float, retries: int) -> ModelReply:
    usage = getattr(response, "usage", None)
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")  # litellm's own logging has priced the call already
    if cost is None:
        cost = price(request.model, prompt_tokens, completion_tokens) or 0.0
    return ModelReply(
        text=response.choices[0].message.content or "",
        first_token_top=first_token_top(response.choices[0]),
        usage=Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost,
            latency_s=time.perf_counter() - started,
        ),
        retries=retries,
        answer_logprobs=None if request.prompt_logprobs is None else answer_logprobs(response, request.messages[-1][1]),
    )


def litellm_kwargs(request: ModelRequest, timeout_s: float) -> dict[str, Any]:
    """The litellm.acompletion arguments for a request: the same in this process and in call workers."""
    kwargs: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": r, "content": c} for r, c in request.messages],
        **request.chat_params(),
    }
    if request.api_base:
        kwargs["api_base"] = request.api_base
    if not is_local(request.model):
        kwargs["timeout"] = timeout_s
        kwargs["max_retries"] = 0  # the provider SDK's own hidden retries would bypass jury's policy and counts
    return kwargs


async def call_litellm(request: ModelRequest, policy: CallPolicy, router: Any = None) -> ModelReply:
    """One call with jittered exponential-backoff retries; a failure after them is a reply with an
    error (never fatal to the run), except a rejected API key, which stops the run."""
    litellm = import_litellm()
    started = time.perf_counter()
    attempt = 0
    while True:
        try:
            complete = router.acompletion if router is not None else litellm.acompletion
            response = await complete(**litellm_kwargs(request, policy.timeout_s))
            return _reply_from(response, request, started, attempt)
        except litellm.AuthenticationError as exc:
            raise JuryError(f"{request.model} rejected the API key: {redact(str(exc))[:300]}") from None
        except Exception as exc:
            if attempt < policy.max_retries and not is_local(request.model) and is_retryable(exc):
                attempt += 1
                await asyncio.sleep(policy.backoff_s(attempt))
                continue
            message = f"{type(exc).__name__}: {redact(str(exc))[:300]}"
            log.warning("call to %s failed after %d attempt(s): %s", request.model, attempt + 1, message)
            return ModelReply(text="", error=message, retries=attempt)
