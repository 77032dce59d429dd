"""How jury grows with the run: the real CLI (`python -m jury judge`) against a loopback
OpenAI-compatible server, with a three-judge panel, at several item counts. Prints, per size: wall
time, judge calls per second, the CLI's peak memory, store bytes per call, and the size of each
report file, so growth is visible (report.md and report.html must stay under 200 KB and 5 MB).

    PYTHONPATH=src .venv/bin/python benchmarks/scale_cli.py --items 1000 10000 100000

Each size runs in a fresh folder and store; the server answers every request at once, so the
figures are jury's own costs (orchestration, store, statistics, reports), not a model's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from orchestration import start_server  # noqa: E402

PAIRWISE = "Question: {question}\n[A]\n{answer_a}\n[B]\n{answer_b}\nWhich is better? Answer [[A]], [[B]] or [[C]]."
PROBE = "Question: {question}\nAnswer: {answer}\nIs the answer correct? Yes or No.\nAnswer:"


def write_inputs(folder: Path, n: int, api_base: str) -> list[str]:
    """A plain JSONL task with baselines, the candidate's outputs, and a three-judge panel."""
    with (folder / "task.jsonl").open("w") as task, (folder / "mine.jsonl").open("w") as mine:
        for i in range(n):
            task.write(json.dumps({"id": f"q{i}", "instruction": f"Question {i}: explain item {i} briefly.",
                                   "baseline": f"Answer two to {i}. " * 18}) + "\n")  # fmt: skip
            mine.write(json.dumps({"id": f"q{i}", "output": f"Answer one to {i}, " * 20}) + "\n")
    (folder / "pairwise.txt").write_text(PAIRWISE)
    (folder / "probe.txt").write_text(PROBE)
    judges = [
        ("a", "pairwise.txt", "pairwise"),
        ("b", "pairwise.txt", "pairwise"),
        ("c", "probe.txt", "pointwise_probe"),
    ]
    lines = ["name: scale", "mode: jury", "aggregation:", "  rule: majority", "  tie_rule: tie", "judges:"]
    for name, prompt, strategy in judges:
        lines += [f"  - name: judge-{name}", f"    model: openai/judge-{name}", f"    family: f{name}",
                  f"    strategy: {strategy}", f"    prompt: {prompt}", f"    api_base: {api_base}"]  # fmt: skip
        if strategy == "pairwise":
            lines.append("    max_tokens: 32")
    (folder / "panel.yaml").write_text("\n".join(lines) + "\n")
    return ["judge", "--task", "task.jsonl", "--candidate-outputs", "mine.jsonl", "--panel", "panel.yaml",
            "--concurrency", "64"]  # fmt: skip


def run_size(n: int, api_base: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        args = write_inputs(folder, n, api_base)
        env = {**os.environ, "OPENAI_API_KEY": "sk-loopback", "JURY_HOME": str(folder / ".jury")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "jury", *args], cwd=folder, env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            raise SystemExit(f"jury failed at {n} items: {done.stderr[-2000:]}")
        (run,) = (folder / "reports").iterdir()
        calls = 5 * n  # two orders for each pairwise judge, both outputs for the probe
        store = (folder / ".jury" / "cache.sqlite").stat().st_size
        sizes = {p.name: p.stat().st_size for p in run.iterdir()}
        return {
            "items": n,
            "seconds": wall,
            "calls_per_s": calls / wall,
            # ru_maxrss of children is the largest child so far: report it only when this size raised it
            "peak_mb": peak_kb / 1024 if peak_kb > before else float("nan"),
            "store_bytes_per_call": store / calls,
            **{f"{name} KB": size / 1024 for name, size in sizes.items()},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    server, api_base = start_server(seconds=6 * 3600)
    try:
        rows = [run_size(n, api_base) for n in sorted(args.items)]
    finally:
        server.terminate()
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r.get(k, float('nan')):.1f}" if k != "items" else str(r[k]) for k in keys))
    worst = {k: max(r.get(k, 0) for r in rows) for k in ("report.md KB", "report.html KB")}
    print(f"largest report.md {worst['report.md KB']:.0f} KB (limit 200), report.html {worst['report.html KB']:.0f} KB "
          "(limit 5,000)")  # fmt: skip


if __name__ == "__main__":
    main()
