"""What scoring an answer's likelihood costs on the local models, and what the engine saves.

For the first N LLMBar Natural items (question as the user's message, each answer as the reply),
per model:
- eval only: the engine evaluates the tokens with logits at the last position only (a lower bound);
- jury, fresh: `score_final_message` with an empty KV cache: logits at the answer's positions only;
- jury, reused prefix: both answers of an item in turn, the second reusing the question's KV state
  (what a likelihood judge does);
- logits_all: llama-cpp-python with `logits_all=True` (logits at every position, what its completion
  API needs for prompt logprobs), then the same log-softmax; the answers' log-probabilities must agree.

    PYTHONPATH=src .venv/bin/python benchmarks/likelihood_speed.py --items 10 --threads 1
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from jury.models.local.engine import CHUNK

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar" / "LLMBar_Natural.jsonl"
MODELS = ("smollm2-135m-instruct", "gemma3-270m")


def _messages(question: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def _timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def _reference(llm, tokens: list[int], first: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    llm.reset()
    llm.eval(tokens)
    rows = llm.scores[first : len(tokens) - 1].astype(np.float64)
    top = rows.max(axis=1, keepdims=True)
    norm = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
    return rows[np.arange(len(rows)), tokens[first + 1 :]] - norm


def _fits(engine, messages) -> bool:  # type: ignore[no-untyped-def]
    try:
        engine.score_final_message(messages)  # also warms the model up
    except ValueError:  # longer than the context
        return False
    return True


def measure(name: str, rows: list[dict], threads: int, chunk: int) -> None:
    import llama_cpp

    from jury.models.local.engine import LlamaEngine
    from jury.models.local.registry import local_spec, weights_path

    engine = LlamaEngine(local_spec(name), n_threads=threads, chunk=chunk)
    pairs = [_messages(r["question"], a) for r in rows for a in (r["answer_a"], r["answer_b"])]
    pairs = [m for m in pairs if _fits(engine, m)]
    tokens = []
    for m in pairs:
        head = engine.llm.tokenize(engine._text_before_answer(m).encode(), add_bos=True, special=True)
        tokens.append((head + engine.llm.tokenize(m[-1]["content"].encode(), add_bos=False), len(head) - 1))
    n_tokens = sum(len(t) for t, _ in tokens)
    n_answer = sum(len(t) - 1 - f for t, f in tokens)

    def eval_only() -> None:
        for t, _ in tokens:
            engine.forget()
            engine._evaluate(t, range(len(t) - 1, len(t)))

    def fresh() -> list:
        out = []
        for m in pairs:
            engine.forget()
            out.append(engine.score_final_message(m))
        return out

    def reused() -> list:
        engine.forget()
        return [engine.score_final_message(m) for m in pairs]

    t_eval, _ = _timed(eval_only)
    t_fresh, scored = _timed(fresh)
    t_reused, again = _timed(reused)
    evaluated = sum(s.prompt_tokens - s.reused_prefix_tokens for s in again)
    ref_llm = llama_cpp.Llama(
        model_path=str(weights_path(engine.spec)),
        n_ctx=engine.spec.context,
        n_threads=threads,
        n_threads_batch=threads,
        logits_all=True,
        verbose=False,
    )
    t_all, ref = _timed(lambda: [_reference(ref_llm, t, f) for t, f in tokens])
    diff = max(float(np.abs(np.asarray(s.logprobs) - r).max()) for s, r in zip(scored, ref, strict=True))
    print(f"\n{name}: {len(pairs)} answers, {n_tokens} tokens of which {n_answer} answer tokens", end="")
    print(f", {threads} thread(s), chunks of {chunk}")
    for label, seconds, count in (
        ("eval only (last logits)", t_eval, n_tokens),
        ("jury, fresh", t_fresh, n_tokens),
        ("jury, reused prefix", t_reused, evaluated),
        ("logits_all=True", t_all, n_tokens),
    ):
        print(f"  {label:<24} {seconds:6.2f} s  {seconds / len(pairs):5.2f} s/answer  {count / seconds:5.0f} tok/s")
    print(f"  max |jury - logits_all| over answer log-probabilities: {diff:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="tokens per evaluation chunk (the engine's default)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.open()][: args.items]
    for name in MODELS:
        measure(name, rows, args.threads, args.chunk)


if __name__ == "__main__":
    main()
