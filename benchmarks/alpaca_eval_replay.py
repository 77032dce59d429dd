"""A loopback judge that replays AlpacaEval's recorded verdicts (for benchmarks/alpaca_eval_lc_board.py).

It is the FakeOpenAI server of fake_openai_server.py with a reply function: the judge prompt's
question and two answers are read back from its "[Start of answer A]" ... "[End of answer B]" blocks
(jury escapes those delimiters inside answers, so they cannot be forged), matched against the current
model's escaped output and the baseline's on that instruction, and answered with the recorded verdict
for the side the answer is on. A model whose output equals the baseline's shows the judge the same
prompt in both orders: it gets one reply for both, as a real judge would.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd

from fake_openai_server import FakeOpenAI
from jury.panel.escape import escape_output

UNMATCHED = "I cannot tell."  # parsed as no verdict: the benchmark counts these


class ReplayJudge:
    def __init__(self) -> None:
        self.pairs: dict[str, tuple[str, str, float]] = {}  # question -> (candidate, baseline, preference)
        self.misses = 0
        self.fake = FakeOpenAI(reply=self.reply)

    def load(self, rows: pd.DataFrame, instructions: pd.Series, texts: dict[str, str]) -> None:
        """The next model's pairs: annotations rows (eval_idx, output_1_sha = baseline, output_2_sha, preference)."""
        self.misses = 0
        self.pairs = {
            instructions[i].strip(): (escape_output(texts[c]).strip(), escape_output(texts[b]).strip(), float(p))
            for i, b, c, p in zip(
                rows["eval_idx"], rows["output_1_sha"], rows["output_2_sha"], rows["preference"], strict=True
            )
        }

    def reply(self, body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        try:
            question = prompt.split("[Question]\n", 1)[1].split("\n\n[Start of answer A]\n", 1)[0].strip()
            a = prompt.split("[Start of answer A]\n", 1)[1].split("\n[End of answer A]", 1)[0].strip()
            b = prompt.split("[Start of answer B]\n", 1)[1].split("\n[End of answer B]", 1)[0].strip()
            candidate, baseline, preference = self.pairs[question]
        except (IndexError, KeyError):
            self.misses += 1
            return UNMATCHED
        if preference == 1.5:
            return "[[C]]"
        candidate_is_a = a == candidate and b == baseline
        if not candidate_is_a and not (b == candidate and a == baseline):
            self.misses += 1
            return UNMATCHED
        model_won = preference > 1.5
        return "[[A]]" if model_won == candidate_is_a else "[[B]]"

    def app(self) -> Any:
        return self.fake.app()


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """An aiohttp app on a free 127.0.0.1 port, served from a thread; yields its /v1 base URL."""
    from aiohttp import web

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        holder["port"] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        holder["runner"] = runner
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/v1"
    finally:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
