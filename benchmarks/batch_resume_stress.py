"""Can a resumed --batch run send a request twice? Runs the interrupted-while-polling scenario of
tests/test_batch.py many times while other processes burn CPU, and counts the runs where a request
went out twice: uploaded in two input files (no cost: a file alone is never run), or inside two
created batches (paid twice); and the runs where, after the interrupt, the provider held a file or
a batch the store did not know of (the near miss: the resume must find such a batch by listing).

Scenario: two judges on two models of the in-process fake OpenAI server; `jury judge --batch` is
interrupted at the first poll of either model's batch (so the other model may be anywhere between
uploading its file and polling), then the same command runs again and must resume.
`--interrupt exception` raises KeyboardInterrupt inside the poll, as a second Ctrl-C does;
`--interrupt sigint` sends the process SIGINT, as a first Ctrl-C does (asyncio cancels the run).

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/batch_resume_stress.py --runs 200 --burners 1 [--jitter-ms 40]

CPU load alone rarely opens the window (0 of 200 runs here); --jitter-ms delays each request and
each answer of the fake server by up to that much (seeded), as a network or a busy provider does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from tests.helpers import ROWS, serve_in_thread, write_panel, write_task  # noqa: E402

from fake_openai_server import FakeOpenAI  # noqa: E402

KEY = "sk-stress-0123456789abcdefghij"
ANSWERS = {"q1": "2", "q2": "Rome", "q3": "left", "q4": "green"}


@dataclass(frozen=True)
class Outcome:
    uploaded_twice: int  # requests in more than one uploaded input file
    batched_twice: int  # requests in more than one created batch: paid twice
    batches: int
    stored: int
    # files and batches the provider held after the interrupt that the store did not know of (the
    # resume adopts such a batch by its input file, when it can list the provider's batches)
    unknown_to_store: int
    error: str | None = None


def _judge(args: list[str]) -> object:
    from typer.testing import CliRunner

    from jury import cli

    result = CliRunner().invoke(cli.app, ["judge", *args], standalone_mode=False, catch_exceptions=True)
    if result.exception is not None:
        return result.exception
    return result.return_value


def _twice(fake: FakeOpenAI, file_ids: list[str]) -> int:
    ids = Counter(json.loads(line)["custom_id"] for f in file_ids for line in fake.files[f]["content"].splitlines())
    return sum(1 for n in ids.values() if n > 1)


def _app(fake: FakeOpenAI, jitter_s: float, rng: random.Random) -> web.Application:
    """The fake server with a network's random delays, before it handles a request and before its
    answer arrives: an interrupted client may have given up on a request the server still carries
    out, or on an answer to what the server already did."""

    @web.middleware
    async def delay(request: web.Request, handler: Any) -> web.StreamResponse:
        await asyncio.sleep(rng.uniform(0, jitter_s))
        response = await handler(request)
        await asyncio.sleep(rng.uniform(0, jitter_s))
        return response

    app = fake.app()
    if jitter_s:
        app.middlewares.append(delay)
    return app


def scenario(workdir: Path, interrupt: str, jitter_s: float = 0.0, rng: random.Random | None = None) -> Outcome:
    import litellm

    fake = FakeOpenAI(polls_to_complete=2, record=True)
    with serve_in_thread(_app(fake, jitter_s, rng or random.Random(0))) as base:
        task = write_task(workdir / "tasks", ROWS)
        judges = [
            {"name": "pair", "model": "openai/gpt-4o-mini", "strategy": "pairwise", "api_base": base},
            {"name": "probe", "model": "openai/gpt-4o", "strategy": "pointwise_probe", "api_base": base},
        ]
        panel = write_panel(workdir / "panels", judges)
        (workdir / "mine.jsonl").write_text(
            "".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in ANSWERS.items())
        )
        args = ["--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl"]
        args += ["--batch", "--batch-poll", "0.01"]
        real = litellm.aretrieve_batch

        async def crash(**kwargs: object) -> object:
            if interrupt == "sigint":
                signal.raise_signal(signal.SIGINT)
                await asyncio.sleep(5)  # the run's cancellation lands here
            raise KeyboardInterrupt

        litellm.aretrieve_batch = crash
        try:
            first = _judge(args)
        finally:
            litellm.aretrieve_batch = real
        time.sleep(jitter_s + 0.2)  # the server carries out what it had received
        unknown = _unknown_to_store(fake, workdir)
        second = _judge(args)
        stored = _count_calls(workdir)
        uploads = [f for f, v in fake.files.items() if v["purpose"] == "batch"]
        inputs = [b["input_file_id"] for b in fake.batches.values()]
        error = None
        if first != 130:
            error = f"first run ended {first!r}"
        elif second not in (0, None):
            error = f"resumed run ended {second!r}"
        return Outcome(_twice(fake, uploads), _twice(fake, inputs), len(fake.batches), stored, unknown, error)


def _db(workdir: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(workdir / ".jury" / "cache.sqlite"))


def _count_calls(workdir: Path) -> int:
    with _db(workdir) as db:
        return int(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])


def _unknown_to_store(fake: FakeOpenAI, workdir: Path) -> int:
    with _db(workdir) as db:
        rows = db.execute("SELECT input_file_id, batch_id FROM batches").fetchall()
    files = {f for f, v in fake.files.items() if v["purpose"] == "batch"}
    return len(files - {r[0] for r in rows}) + len(set(fake.batches) - {r[1] for r in rows})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burners", type=int, default=1, help="background processes each burning a core")
    parser.add_argument("--interrupt", choices=["exception", "sigint", "both"], default="both")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="delay each answer by up to this (seeded)")
    opts = parser.parse_args()
    os.environ["OPENAI_API_KEY"] = KEY
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.disable(logging.CRITICAL)  # also the fake server's 'connection lost'
    warnings.simplefilter("ignore")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(opts.burners)]
    modes = ["exception", "sigint"] if opts.interrupt == "both" else [opts.interrupt]
    rng = random.Random(0)
    try:
        for mode in modes:
            tally: Counter[str] = Counter()
            started = time.perf_counter()
            for _ in range(opts.runs):
                with tempfile.TemporaryDirectory() as tmp:
                    os.chdir(tmp)
                    os.environ["JURY_HOME"] = str(Path(tmp) / ".jury")
                    out = scenario(Path(tmp), mode, opts.jitter_ms / 1000, rng)
                    os.chdir(ROOT)
                tally["runs"] += 1
                tally["uploaded twice"] += out.uploaded_twice > 0
                tally["batched twice (paid twice)"] += out.batched_twice > 0
                tally["more than 2 batches"] += out.batches > 2
                tally["not all 16 replies stored"] += out.stored != 16
                tally["provider held a file or batch unknown to the store"] += out.unknown_to_store > 0
                if out.error:
                    tally["errors"] += 1
                    print("  error:", out.error, flush=True)
            seconds = time.perf_counter() - started
            print(f"interrupt={mode}, {opts.burners} burner(s), jitter {opts.jitter_ms:g} ms, {seconds:.0f} s:")
            for name in (
                "runs",
                "provider held a file or batch unknown to the store",
                "uploaded twice",
                "batched twice (paid twice)",
                "more than 2 batches",
                "not all 16 replies stored",
                "errors",
            ):
                print(f"  {name}: {tally[name]}", flush=True)
    finally:
        for proc in burners:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
