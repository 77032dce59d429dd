"""Scripted models for unit tests: a litellm custom provider `scripted/<name>` whose replies
come from Python functions, so tests go through the same litellm path as real models."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[1]
# the full public sets, never needed to run; JURY_TEST_SHARED_DATA moves them (at a missing folder: a bare clone)
SHARED_DATA = Path(os.environ.get("JURY_TEST_SHARED_DATA") or ROOT.parent / "shared" / "data")
EXCERPTS = ROOT / "tests" / "data"  # small cuts of those sets that travel with the repository (its README.md)


@dataclass
class Scripted:
    """reply(prompt_text) -> text, and optionally P(Yes) for probe-style first-token logprobs.

    With `token_logprob(question, answer)`, a request for prompt log-probabilities is answered as
    vLLM does: one entry per prompt "token" (here each whitespace-led word of the user's message and
    of the final assistant message), None first, every answer token at that log-probability."""

    reply: Callable[[str], str] = lambda prompt: "ok"
    p_yes: Callable[[str], float] | None = None
    calls: list[str] = field(default_factory=list)
    fail_with: Exception | None = None
    token_logprob: Callable[[str, str], float] | None = None
    params: list[dict] = field(default_factory=list)  # the optional params litellm handed over, per call


def _words(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text)


def _prompt_logprobs(script: Scripted, messages: list) -> list | None:
    if script.token_logprob is None:
        return None
    question = messages[0]["content"] if len(messages) > 1 else ""
    answer = messages[-1]["content"]
    value = script.token_logprob(question, answer)
    head = [None] + [{"7": {"logprob": -1.0, "rank": 1, "decoded_token": w}} for w in _words(question)[1:]]
    return head + [{"9": {"logprob": value, "rank": 1, "decoded_token": w}} for w in _words(answer)]


SCRIPTS: dict[str, Scripted] = {}


def _provider():
    from litellm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    class ScriptedProvider(CustomLLM):
        def completion(self, model, messages, *args, **kwargs):
            name = model.split("/", 1)[-1]
            script = SCRIPTS[name]
            prompt = messages[-1]["content"]
            script.calls.append(prompt)
            script.params.append(dict(kwargs.get("optional_params") or {}))
            if script.fail_with is not None:
                raise script.fail_with
            logprobs = None
            if script.p_yes is not None:
                p = min(max(script.p_yes(prompt), 1e-6), 1 - 1e-6)
                top = [{"token": "Yes", "logprob": math.log(p)}, {"token": "No", "logprob": math.log(1 - p)}]
                logprobs = {
                    "content": [
                        {"token": "Yes" if p >= 0.5 else "No", "logprob": math.log(max(p, 1 - p)), "top_logprobs": top}
                    ]
                }
            response = ModelResponse(
                model=model,
                choices=[
                    Choices(
                        index=0,
                        finish_reason="stop",
                        message=Message(role="assistant", content=script.reply(prompt)),
                        logprobs=logprobs,
                    )
                ],
                usage=Usage(
                    prompt_tokens=len(prompt.split()), completion_tokens=1, total_tokens=len(prompt.split()) + 1
                ),
            )
            if "prompt_logprobs" in (kwargs.get("optional_params") or {}):
                scored = _prompt_logprobs(script, messages)
                if scored is not None:
                    response.prompt_logprobs = scored
            return response

        async def acompletion(self, model, messages, *args, **kwargs):
            return self.completion(model, messages, *args, **kwargs)

    return ScriptedProvider()


@pytest.fixture(scope="session", autouse=True)
def scripted_provider():
    from jury.models.litellm_call import import_litellm

    litellm = import_litellm()
    if not any(p["provider"] == "scripted" for p in litellm.custom_provider_map):
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": "scripted", "custom_handler": _provider()},
        ]
    yield


@pytest.fixture()
def scripts():
    SCRIPTS.clear()
    yield SCRIPTS
    SCRIPTS.clear()


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """Each test gets its own working directory and store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JURY_HOME", str(tmp_path / ".jury"))
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_price_lookups():
    """Tests register prices for scripted models; a lookup cached by an earlier test (as unpriced)
    must not hide them, so each test starts with the price cache empty."""
    from jury.models.budget import _rates

    _rates.cache_clear()
    yield
