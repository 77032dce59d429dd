"""Run inside a virtualenv that has `alpaca-eval`: annotate the orchestration benchmark's pairs
with alpaca_eval's PairwiseAnnotator against the loopback server (OPENAI_BASE_URL) at the
same concurrency, and print annotations per second on the last line.

Called by benchmarks/orchestration.py; not a jury dependency.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

PROMPT = """<|im_start|>user
Which answer to the instruction is better? Reply [[A]] or [[B]].

Instruction: {instruction}

Answer A: {output_1}

Answer B: {output_2}
<|im_end|>
"""

CONFIG = """bench_judge:
  prompt_template: "bench_judge/prompt.txt"
  fn_completions: "openai_completions"
  completions_kwargs:
    model_name: "bench-judge"
    max_tokens: 50
    temperature: 0
    num_procs: {concurrency}
  fn_completion_parser: "regex_parser"
  completion_parser_kwargs:
    outputs_to_match:
      1: '\\[\\[A\\]\\]'
      2: '\\[\\[B\\]\\]'
  batch_size: 1
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    from alpaca_eval.annotators import PairwiseAnnotator

    folder = Path(args.workdir) / "bench_judge"
    folder.mkdir(parents=True)
    (folder / "prompt.txt").write_text(PROMPT)
    (folder / "configs.yaml").write_text(CONFIG.format(concurrency=args.concurrency))
    # the same texts as benchmarks/orchestration.py:make_pairs
    pairs = [
        {
            "instruction": f"Question {i}: explain item {i} briefly.",
            "output_1": f"Answer one to {i}, " * 20,
            "output_2": f"Answer two to {i}. " * 18,
        }
        for i in range(args.pairs)
    ]
    annotator = PairwiseAnnotator(
        annotators_config=str(folder / "configs.yaml"),
        caching_path=None,
        is_avoid_reannotations=False,
        seed=0,
        is_store_missing_annotations=False,
    )
    annotator.annotate_pairs(pairs[:4])  # warm up, like jury's run
    started = time.perf_counter()
    out = annotator.annotate_pairs(pairs)
    elapsed = time.perf_counter() - started
    done = sum(1 for row in out if row.get("preference") is not None)
    if done != len(pairs):
        raise SystemExit(f"only {done} of {len(pairs)} pairs annotated")
    print(len(pairs) / elapsed)


if __name__ == "__main__":
    main()
