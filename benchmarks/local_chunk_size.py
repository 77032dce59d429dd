"""What evaluating prompts in aligned chunks costs the embedded panel's judges, per chunk size.

The engine evaluates every prompt in chunks of `chunk` tokens aligned from its first token, and
reuses only whole chunks of a shared prefix, so that a verdict does not depend on the prompts
evaluated before it. Small chunks reuse more of a shared prefix but run smaller, slower batches;
"no reuse" evaluates every prompt whole (in 512-token batches). The workload is the default panel's
Yes/No probes on the demo task (each item's reference answer and baseline answer, in turn), the
same requests for every setting; the best of --repeats passes is printed.

    PYTHONPATH=src .venv/bin/python benchmarks/local_chunk_size.py --items 26 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNKS = (8, 16, 32, 64, 128, 512)


def probe_requests(items: int) -> list[tuple[str, list[dict[str, str]], int, int]]:
    """(model, messages, max_tokens, top_logprobs) of every probe the default panel makes."""
    from jury.panel.spec import load_panel
    from jury.panel.strategies import PROBE_TOP_LOGPROBS

    panel = load_panel("local")
    rows = [json.loads(line) for line in (ROOT / "tasks/jury_demo/jury_demo.jsonl").open()][:items]
    out = []
    for judge in panel.judges:
        model = judge.model.split("/", 1)[1]
        for row in rows:
            for answer in (row["reference"], row["baseline"]):
                text = judge.prompt.format(question=row["instruction"], answer=answer, reference=row["reference"])
                out.append((model, [{"role": "user", "content": text}], judge.max_tokens, PROBE_TOP_LOGPROBS))
    return out


def measure(name: str, requests: list, chunk: int, reuse: bool, repeats: int) -> tuple[float, int, int]:
    """Best seconds over `repeats` passes, prompt tokens, and tokens evaluated (not reused)."""
    from jury.models.local.engine import LlamaEngine
    from jury.models.local.registry import local_spec

    engine = LlamaEngine(local_spec(name), chunk=chunk)
    mine = [r for r in requests if r[0] == name]
    engine.complete(mine[0][1], max_tokens=1)  # warm up
    best, prompt, evaluated = float("inf"), 0, 0
    for _ in range(repeats):
        engine.forget()
        prompt = evaluated = 0
        started = time.perf_counter()
        for _, messages, max_tokens, top in mine:
            if not reuse:
                engine.forget()
            reply = engine.complete(messages, max_tokens=max_tokens, top_logprobs=top)
            prompt += reply.prompt_tokens
            evaluated += reply.prompt_tokens - reply.reused_prefix_tokens
        best = min(best, time.perf_counter() - started)
    return best, prompt, evaluated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=26)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    requests = probe_requests(args.items)
    for name in sorted({r[0] for r in requests}):
        n = sum(r[0] == name for r in requests)
        print(f"\n{name}: {n} probes")
        settings = [(f"chunk {c}", c, True) for c in CHUNKS] + [("no reuse", 512, False)]
        for label, chunk, reuse in settings:
            seconds, prompt, evaluated = measure(name, requests, chunk, reuse, args.repeats)
            print(
                f"  {label:<10} {seconds:6.2f} s  {1000 * seconds / n:6.1f} ms/probe  "
                f"{evaluated}/{prompt} prompt tokens evaluated"
            )


if __name__ == "__main__":
    main()
