"""Orchestration overhead: judgments per second against a loopback server that answers at once.

jury judges N candidate/baseline pairs pairwise (both orders: 2 calls per pair) through
litellm at concurrency 64, storing every reply in a fresh SQLite store; the figure is calls
per second. Where an alpaca_eval install is given (ALPACA_EVAL_PYTHON=/path/to/python of a
virtualenv with `alpaca-eval`), the same pairs are annotated by alpaca_eval against the same
server and its throughput is printed beside jury's.

    .venv/bin/python benchmarks/orchestration.py [--pairs 1000] [--concurrency 64] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

from jury.models.call_workers import auto_workers  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(seconds: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_openai_server.py"), "--port", str(port), "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # "listening on ..."
    return proc, f"http://127.0.0.1:{port}/v1"


def make_pairs(n: int) -> list[tuple[str, str, str]]:
    return [
        (f"Question {i}: explain item {i} briefly.", f"Answer one to {i}, " * 20, f"Answer two to {i}. " * 18)
        for i in range(n)
    ]


def time_jury(pairs: list[tuple[str, str, str]], api_base: str, concurrency: int, workers: int) -> float:
    from jury.models.client import ModelClient
    from jury.models.policy import CallPolicy
    from jury.panel.spec import load_panel
    from jury.panel.strategies import judge_calls, judgments_for
    from jury.records import Item
    from jury.store import CallStore

    base = load_panel("poll").judges[0]
    judge = type(base)(**{**base.__dict__, "model": "openai/gpt-4.1-mini", "api_base": api_base})
    items = [Item("bench", str(i), q) for i, (q, _, _) in enumerate(pairs)]
    calls = [
        c for item, (_, a, b) in zip(items, pairs, strict=True) for c in judge_calls(judge, item.item_id, item, a, b)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        policy = CallPolicy(concurrency=concurrency, workers=workers)
        client = ModelClient(CallStore(Path(tmp) / "cache.sqlite"), policy)
        # warm up imports, worker processes and connection pools (these replies are cached afterwards)
        client.call_many([c.request for c in calls[: 8 * workers]])
        started = time.perf_counter()
        replies = client.call_many([c.request for c in calls])
        elapsed = time.perf_counter() - started
    errors = [r.error for r in replies if r.error]
    if errors:
        raise SystemExit(f"{len(errors)} calls failed, first: {errors[0]}")
    by_item: dict[str, dict] = {}
    for call, reply in zip(calls, replies, strict=True):
        by_item.setdefault(call.unit_id, {})[call.role] = reply
    verdicts = [j for item_id, r in by_item.items() for j in judgments_for(judge, item_id, r)]
    assert all(j.preference is not None for j in verdicts)
    return (len(calls) - 8 * workers) / elapsed


def time_alpaca_eval(python: str, pairs: list[tuple[str, str, str]], api_base: str) -> float | None:
    script = HERE / "alpaca_eval_annotate.py"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-bench-not-a-key",
            "OPENAI_BASE_URL": api_base,
            "OPENAI_API_BASE": api_base,
        }
        out = subprocess.run(
            [python, str(script), "--pairs", str(len(pairs)), "--workdir", tmp],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if out.returncode != 0:
        print(f"alpaca_eval run failed:\n{out.stderr[-2000:]}")
        return None
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=auto_workers(), help="call worker processes (default: auto)")
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-key")
    server, api_base = start_server(seconds=900)
    try:
        pairs = make_pairs(args.pairs)
        single = time_jury(pairs, api_base, args.concurrency, workers=1)
        print(f"jury, calls in one process: {single:.0f} judgments/s")
        jury_rate = time_jury(pairs, api_base, args.concurrency, workers=args.workers)
        print(
            f"jury: {jury_rate:.0f} judgments/s ({2 * args.pairs} calls, concurrency {args.concurrency}, "
            f"{args.workers} call workers, fresh SQLite store, litellm)"
        )
        print(f"target >= 300 judgments/s: {'met' if jury_rate >= 300 else 'NOT met'}")
        python = os.environ.get("ALPACA_EVAL_PYTHON")
        if python:
            ae_rate = time_alpaca_eval(python, pairs, api_base)
            if ae_rate:
                print(f"alpaca_eval: {ae_rate:.0f} annotations/s on the same pairs and server")
                print(f"jury / alpaca_eval = {jury_rate / ae_rate:.1f}x (target >= 3x)")
        else:
            print("alpaca_eval: not measured (set ALPACA_EVAL_PYTHON to a python with alpaca-eval installed)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
