"""The answer's token log-probabilities out of a provider's `prompt_logprobs` (vLLM's shape).

vLLM returns one entry per prompt token (None for the first, else {token id: {"logprob",
"decoded_token", ...}}) for the whole prompt, template included, and says nothing of where the
final message begins. The answer's tokens are found from the end: the trailing tokens whose text,
whitespace aside, spells the answer. Whitespace is ignored because chat templates may trim a
message and tokenizers attach spaces to either neighbour.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def answer_logprobs(response: Any, answer: str) -> tuple[float, ...] | None:
    """log P(token | what precedes it) for each token of `answer` at the end of the prompt, or None
    when the response has no prompt log-probabilities covering it (the reason is logged)."""
    entries = _field(response, "prompt_logprobs")
    if not entries:
        return None
    target = _squeezed(answer)
    logprobs: list[float] = []
    texts: list[str] = []
    for entry in reversed(entries):
        if len(_squeezed("".join(texts))) >= len(target):
            break
        if not entry or len(entry) != 1:
            reason = "is missing" if not entry else "lists alternatives (request prompt_logprobs=0)"
            log.warning("prompt log-probabilities: an answer token %s; the answer is not scored", reason)
            return None
        (info,) = entry.values()
        logprobs.append(float(_field(info, "logprob")))
        texts.append(str(_field(info, "decoded_token") or ""))
    spelled = _squeezed("".join(reversed(texts)))
    if spelled != target:
        log.warning("prompt log-probabilities do not end with the answer (%r...); it is not scored", spelled[:40])
        return None
    return tuple(reversed(logprobs))
