"""Time the embedded demo (`jury run`, no arguments) cold and warm, and print the figures.

Cold: a fresh store, so every generation and judgment is computed by the local models.
Warm: the same command again, answered from the store.

    .venv/bin/python benchmarks/demo_time.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(workdir: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jury", "run"], cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "JURY_HOME": str(workdir / ".jury")}
        cold = _run(workdir, env)
        warm = _run(workdir, env)
        results = sorted((workdir / "reports").iterdir())
        data = json.loads((results[0] / "results.json").read_text())
    usage = data["usage"]
    print(f"demo items: {data['task']['n_items']}, model calls (cold run): {data['model_calls']}")
    print(f"cold run: {cold:.1f} s   warm run (all from the store): {warm:.1f} s")
    for model, u in usage.items():
        print(
            f"  {model}: {u['prompt_tokens']} prompt + {u['completion_tokens']} completion tokens, "
            f"{u['latency_s']:.1f} s in calls"
        )
    r = data["result"]
    print(f"win rate {r['win_rate']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")


if __name__ == "__main__":
    main()
