"""The embedded panel's probe score computed apart from jury's pipeline, for the real-model tests."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _fresh_llama(model: str):  # type: ignore[no-untyped-def]
    import llama_cpp

    from jury.models.local.provider import engine_for
    from jury.models.local.registry import weights_path

    spec = engine_for(model).spec
    return llama_cpp.Llama(model_path=str(weights_path(spec)), n_ctx=spec.context, verbose=False)


def p_yes_by_hand(model: str, prompt: str) -> float:
    """The local panel's probe score from llama.cpp itself: a separate model evaluates the prompt from
    position 0 (no reused prefix, no jury code but the chat rendering) in the engine's chunks of 16 tokens
    (the quantised kernels round differently by batch size: in one batch Gemma's P(Yes) moves by about
    0.006), and P(Yes) / (P(Yes) + P(No)) sums the 20 likeliest first tokens that read yes or no."""
    from jury.models.local.provider import engine_for

    engine, ref = engine_for(model), _fresh_llama(model)
    tokens = ref.tokenize(engine.render([{"role": "user", "content": prompt}]).encode(), add_bos=True, special=True)
    ref.reset()
    for begin in range(0, len(tokens), engine.chunk):
        ref.eval(tokens[begin : begin + engine.chunk])
    logits = np.ctypeslib.as_array(ref._ctx.get_logits(), shape=(ref.n_vocab(),)).astype(np.float64)
    logprobs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
    top = np.argsort(-logprobs)[:20]
    words = [ref.detokenize([int(t)]).decode("utf-8", errors="replace").strip().lower() for t in top]
    p = {w: sum(np.exp(logprobs[t]) for t, x in zip(top, words, strict=True) if x == w) for w in ("yes", "no")}
    return float(p["yes"] / (p["yes"] + p["no"]))
