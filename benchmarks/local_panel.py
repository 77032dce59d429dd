"""Local panel throughput: judgments per second of the embedded panel on 50 pairs, against the
bound set by llama.cpp's measured prompt throughput and the tokens each judgment really has to
evaluate (after the shared prefix of consecutive prompts is reused).

    .venv/bin/python benchmarks/local_panel.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from jury.models.client import ModelClient
from jury.models.local.engine import reusable_prefix
from jury.models.local.provider import engine_for
from jury.panel.spec import load_panel
from jury.panel.strategies import judge_calls
from jury.store import CallStore
from jury.tasks import load_task


def make_pairs() -> list[tuple]:
    items = load_task("jury_demo").items
    pairs = [(i, i.reference or "", i.baseline or "") for i in items]
    pairs += [(i, i.baseline or "", "I am not sure, sorry.") for i in items]
    return pairs[:50]


def prompt_speed(name: str, n_tokens: int = 400, repeats: int = 3) -> float:
    """Tokens per second for evaluating a fresh prompt in one batch (the best of a few runs)."""
    engine = engine_for(name)
    tokens = engine.llm.tokenize(("The quick brown fox jumps over the lazy dog. " * 60).encode())[:n_tokens]
    best = float("inf")
    for _ in range(repeats):
        engine.llm.reset()
        engine.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        started = time.perf_counter()
        engine.llm.eval(tokens)
        best = min(best, time.perf_counter() - started)
    engine.forget()
    return len(tokens) / best


def tokens_to_evaluate(name: str, prompts: list[list[dict]]) -> int:
    """What the engine must evaluate: each prompt minus the whole chunks it shares with the previous one."""
    engine = engine_for(name)
    previous: list[int] = []
    total = 0
    for messages in prompts:
        tokens = engine.llm.tokenize(engine.render(messages).encode(), add_bos=True, special=True)
        total += len(tokens) - reusable_prefix(previous, tokens, len(tokens) - 1, engine.chunk)
        previous = tokens
    return total


def main() -> None:
    panel = load_panel("local")
    pairs = make_pairs()
    calls = [c for j in panel.judges for item, a, b in pairs for c in judge_calls(j, item.item_id, item, a, b)]
    with tempfile.TemporaryDirectory() as tmp:
        client = ModelClient(CallStore(Path(tmp) / "cache.sqlite"))
        for judge in panel.judges:  # load both models before timing
            engine_for(judge.model.split("/", 1)[1])
        started = time.perf_counter()
        replies = client.call_many([c.request for c in calls])
        elapsed = time.perf_counter() - started
        client.close()
    assert not [r for r in replies if r.error]
    judgments = len(pairs) * len(panel.judges)
    print(
        f"{judgments} judgments ({len(calls)} probe calls) on {len(pairs)} pairs in {elapsed:.1f} s: "
        f"{judgments / elapsed:.2f} judgments/s"
    )
    bound_s = 0.0
    for judge in panel.judges:
        name = judge.model.split("/", 1)[1]
        prompts = [[{"role": r, "content": t} for r, t in c.request.messages] for c in calls if c.judge == judge.name]
        speed = prompt_speed(name)
        needed = tokens_to_evaluate(name, prompts)
        full = sum(len(engine_for(name).llm.tokenize(engine_for(name).render(p).encode())) for p in prompts)
        bound_s += needed / speed
        print(
            f"  {name}: prompt speed {speed:.0f} tok/s; {needed} of {full} prompt tokens evaluated "
            f"({100 * (1 - needed / full):.0f}% reused from the shared prefix)"
        )
    print(f"bound from prompt throughput: {bound_s:.1f} s -> {judgments / bound_s:.2f} judgments/s")
    print(f"achieved {100 * bound_s / elapsed:.0f}% of the bound (target >= 70%)")


if __name__ == "__main__":
    main()
