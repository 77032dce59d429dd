"""The embedded local models as a litellm provider: `local/<name>` runs llama.cpp in-process.

Registering a CustomLLM keeps every model call on one path: jury asks litellm, and
litellm hands `local/...` requests to this class instead of the network.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from jury.models.local.engine import AnswerScore, Completion, LlamaEngine
from jury.models.local.registry import PROVIDER, local_spec


@cache
def engine_for(name: str, n_threads: int | None = None) -> LlamaEngine:
    return LlamaEngine(local_spec(name), n_threads=n_threads)


def _logprobs_payload(result: Completion) -> dict[str, Any]:
    """OpenAI's chat logprobs shape, so parsers treat local and remote judges alike."""
    return {
        "content": [
            {
                "token": lp.token,
                "logprob": lp.logprob,
                "bytes": list(lp.token.encode("utf-8")),
                "top_logprobs": [{"token": t, "logprob": v, "bytes": list(t.encode("utf-8"))} for t, v in lp.top],
            }
            for lp in result.logprobs
        ]
    }


def _prompt_logprobs_payload(scored: AnswerScore) -> list[dict[str, dict[str, Any]] | None]:
    """vLLM's `prompt_logprobs` shape (one entry per prompt token, the token's id -> its log-probability
    and text); only the answer's positions are computed, every other entry is None."""
    answer = [
        {str(token): {"logprob": logprob, "decoded_token": piece}}
        for token, logprob, piece in zip(scored.token_ids, scored.logprobs, scored.pieces, strict=True)
    ]
    return [None] * scored.answer_start + answer


def _build_provider():  # type: ignore[no-untyped-def]
    from litellm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    def _scored_response(name: str, messages: list, started: float) -> ModelResponse:
        """A request for prompt log-probabilities scores its final (assistant) message and generates
        nothing: the message is continued, as vLLM's continue_final_message does."""
        scored = engine_for(name).score_final_message(
            [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
        )
        response = ModelResponse(
            model=f"{PROVIDER}/{name}",
            choices=[Choices(finish_reason="length", index=0, message=Message(role="assistant", content=""))],
            usage=Usage(prompt_tokens=scored.prompt_tokens, completion_tokens=0, total_tokens=scored.prompt_tokens),
        )
        response.prompt_logprobs = _prompt_logprobs_payload(scored)
        response._hidden_params["latency_s"] = time.perf_counter() - started
        return response

    class LocalLlamaProvider(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
            params: dict[str, Any] = kwargs.get("optional_params") or {}
            name = model.split("/", 1)[1] if model.startswith(f"{PROVIDER}/") else model
            started = time.perf_counter()
            if params.get("prompt_logprobs") is not None:
                return _scored_response(name, messages, started)
            want_logprobs = bool(params.get("logprobs"))
            stop = params.get("stop")
            result = engine_for(name).complete(
                [{"role": m["role"], "content": m.get("content") or ""} for m in messages],
                max_tokens=int(params.get("max_tokens") or params.get("max_completion_tokens") or 256),
                temperature=float(params.get("temperature") or 0.0),
                seed=params.get("seed"),
                stop=[stop] if isinstance(stop, str) else list(stop or []),
                top_logprobs=int(params.get("top_logprobs") or (1 if want_logprobs else 0)),
            )
            choice = Choices(
                finish_reason=result.finish_reason,
                index=0,
                message=Message(role="assistant", content=result.text),
                logprobs=_logprobs_payload(result) if want_logprobs else None,
            )
            response = ModelResponse(
                model=f"{PROVIDER}/{name}",
                choices=[choice],
                usage=Usage(
                    prompt_tokens=result.prompt_tokens,
                    completion_tokens=result.completion_tokens,
                    total_tokens=result.prompt_tokens + result.completion_tokens,
                ),
            )
            response._hidden_params["latency_s"] = time.perf_counter() - started
            return response

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            import asyncio

            return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)

    return LocalLlamaProvider()


def register_local_provider() -> None:
    """Idempotent; leaves other custom providers (e.g. tests' scripted ones) in place."""
    import litellm

    if any(entry["provider"] == PROVIDER for entry in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": _build_provider()},
    ]
