"""A local model's reply is a function of its request alone: the same request after other prompts,
or in a fresh process, gives bit-identical text and log-probabilities (llama.cpp's numbers depend on
how a prompt is split into batches, so a reused KV prefix must have been split the same way)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jury.models.local.engine import reusable_prefix

MODELS = ("smollm2-135m-instruct", "gemma3-270m")
HEADER = (
    "Decide whether the proposed answer correctly and helpfully answers the question. Reply with Yes or No.\n\n"
    "Question: What colour is a clear daytime sky?\nReference answer: Blue.\n"
    "Proposed answer: The sky is blue on a clear day.\nCorrect: Yes\n\n"
)
QUESTION = "At what temperature does water boil at sea level, in degrees Celsius?"


def _probe(answer: str) -> list[dict[str, str]]:
    text = f"{HEADER}Question: {QUESTION}\nReference answer: 100.\nProposed answer: {answer}\nCorrect:"
    return [{"role": "user", "content": text}]


def _scored(answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": answer}]


GENERATE = [{"role": "user", "content": f"{HEADER}Explain in one sentence why the sky is blue."}]
# Each request: (kind, messages); kind "complete" generates, "probe" reads the first token's
# log-probabilities (the Yes/No judges), "score" is the likelihood path.
TARGETS = {
    "generate": ("complete", GENERATE),
    "probe": ("probe", _probe("Water boils at 100 degrees Celsius at standard pressure.")),
    "score": ("score", _scored("Water boils at 100 degrees Celsius at sea level.")),
}
# What runs before a target: the target itself (reusing all but its last token was seen to change
# SmolLM2's logits), prompts that share a prefix of it (an unaligned reuse splits the prompt where
# they part: about half of the split points changed Gemma's logits), and the other paths.
SAME = ("same", [])
HISTORIES = {
    "the same request": SAME,
    "other answer": ("probe", _probe("It boils at about 90 degrees.")),
    "scoring another answer": ("score", _scored("About 90 degrees, I think.")),
    "a generation": ("complete", [{"role": "user", "content": HEADER + "Name a colour."}]),
}


def _call(engine, kind: str, messages: list[dict[str, str]]) -> dict:  # type: ignore[no-untyped-def]
    """The reply as plain data, without how much of the KV cache was reused."""
    if kind == "score":
        reply = engine.score_final_message(messages)
    else:
        tokens = 12 if kind == "complete" else 1
        reply = engine.complete(messages, max_tokens=tokens, top_logprobs=5)
    return json.loads(json.dumps(dataclasses.asdict(dataclasses.replace(reply, reused_prefix_tokens=0))))


def _reused(engine, kind: str, messages: list[dict[str, str]]) -> int:  # type: ignore[no-untyped-def]
    if kind == "score":
        return engine.score_final_message(messages).reused_prefix_tokens
    return engine.complete(messages, max_tokens=1).reused_prefix_tokens


def fresh_replies(names: tuple[str, ...]) -> dict:
    """Each target from a newly loaded model with nothing evaluated before (run in a fresh process)."""
    from jury.models.local.engine import LlamaEngine
    from jury.models.local.registry import local_spec

    return {f"{n}/{t}": _call(LlamaEngine(local_spec(n)), *TARGETS[t]) for n in names for t in TARGETS}


def test_only_whole_aligned_chunks_of_a_matching_prefix_are_reused():
    cached = list(range(10))
    assert reusable_prefix(cached, [*range(10), 99], limit=10, chunk=4) == 8
    assert reusable_prefix(cached, [*range(7), 99, 8, 9], limit=10, chunk=4) == 4  # differs inside chunk 2
    assert reusable_prefix(cached, [*range(3), 99], limit=4, chunk=4) == 0
    assert reusable_prefix(cached, list(range(10)), limit=7, chunk=4) == 4  # logits needed at position 7
    assert reusable_prefix(cached[:5], list(range(10)), limit=9, chunk=4) == 4  # only what was evaluated
    assert reusable_prefix([], list(range(10)), limit=9, chunk=1) == 0
    with pytest.raises(ValueError, match="chunk must be positive"):
        reusable_prefix(cached, cached, limit=9, chunk=0)


@pytest.mark.local_models
@pytest.mark.parametrize("name", MODELS)
def test_a_reply_does_not_depend_on_the_prompts_evaluated_before_it(name):
    from jury.models.local.provider import engine_for

    engine = engine_for(name)
    for target, (kind, messages) in TARGETS.items():
        engine.forget()
        expected = _call(engine, kind, messages)
        for history, before in HISTORIES.items():
            engine.forget()  # the history's prompt is evaluated whole, as if it came first
            _call(engine, *((kind, messages) if before is SAME else before))
            assert _call(engine, kind, messages) == expected, f"{target} after {history}"
    # the KV cache is still reused: the probe's shared header is not evaluated again
    _call(engine, *HISTORIES["other answer"])
    assert _reused(engine, *TARGETS["probe"]) >= 64


@pytest.mark.local_models
def test_a_fresh_process_gives_the_same_replies():
    from jury.models.local.provider import engine_for

    root = Path(__file__).resolve().parents[1]
    src = str(Path(__import__("jury").__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(root)])}
    script = f"import json, tests.test_local_determinism as t; print(json.dumps(t.fresh_replies({MODELS!r})))"
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, check=True)
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    for name in MODELS:
        engine = engine_for(name)
        for target, (kind, messages) in TARGETS.items():
            _call(engine, kind, messages)  # what this process evaluated before: the same request
            assert _call(engine, kind, messages) == fresh[f"{name}/{target}"], f"{name}/{target}"
