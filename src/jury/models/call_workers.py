"""Remote model calls spread over worker processes.

litellm spends about 4 ms of CPU on each call (request building, its HTTP client, logging), so one
Python process tops out near 200 calls/s however fast the server answers. Big remote batches
therefore go to a few worker processes, each running its own event loop and litellm. Everything
that must be decided once stays in the parent: the cache, the per-provider concurrency limit, the
budget, deduplication and the store, so results are the same whether workers are used or not.

Wire format: one JSON object per line. Parent -> worker: {"id", "request"}; worker -> parent:
{"id", "reply", "error", "retries"} or {"id", "fatal"} (a rejected API key, already redacted).
API keys travel only in the environment the worker inherits, never on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.models.litellm_call import call_litellm
from jury.models.policy import CallPolicy
from jury.models.request import ModelReply, ModelRequest

# Prompts can be long (a 10 MB answer is legal input): never split a line.
_LINE_LIMIT = 256 * 1024 * 1024
# Below this many remote calls in one batch, starting workers (about a second each) does not pay.
AUTO_THRESHOLD = 400
AUTO_MAX_WORKERS = 4


def auto_workers() -> int:
    return min(AUTO_MAX_WORKERS, os.cpu_count() or 1)


def request_to_wire(request: ModelRequest) -> dict[str, Any]:
    return asdict(request)


def request_from_wire(data: dict[str, Any]) -> ModelRequest:
    data = dict(data)
    data["messages"] = tuple((role, content) for role, content in data["messages"])
    data["stop"] = tuple(data.get("stop") or ())
    return ModelRequest(**data)


def reply_to_wire(reply: ModelReply) -> dict[str, Any]:
    return {"reply": reply.to_json(), "error": reply.error, "retries": reply.retries}


def reply_from_wire(data: dict[str, Any]) -> ModelReply:
    reply = ModelReply.from_json(data["reply"], cached=False)
    return replace(reply, error=data["error"], retries=data["retries"])


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.sent = 0  # calls handed to this worker, for tests and benchmarks
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            message = json.loads(line)
            future = self.pending.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message)
        for future in self.pending.values():  # the worker died: its calls failed, nothing is lost
            if not future.done():
                future.set_result({"error": f"call worker exited with code {self.process.returncode}"})
        self.pending.clear()


class WorkerPool:
    """`size` worker processes; each call goes to the worker with the fewest calls in flight."""

    def __init__(self, size: int, policy: CallPolicy) -> None:
        self.size = size
        self.policy = policy
        self._workers: list[_Worker] = []
        self._next_id = 0
        self._starting: asyncio.Lock | None = None

    async def start(self) -> None:
        if self._workers:
            return
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self._workers:
                return
            package_root = str(Path(__file__).resolve().parents[2])  # so `-m jury...` finds this copy
            path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
            env = {**os.environ, "PYTHONPATH": path}
            policy = json.dumps(asdict(self.policy))
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "jury.models.call_workers",
                    policy,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env=env,
                    limit=_LINE_LIMIT,
                )
                for _ in range(self.size)
            ]
            self._workers = [_Worker(p) for p in processes]

    async def call(self, request: ModelRequest) -> ModelReply:
        alive = [w for w in self._workers if not w.reader.done()]
        if not alive:
            codes = ", ".join(str(w.process.returncode) for w in self._workers)
            return ModelReply(text="", error=f"call worker exited with code {codes}")
        worker = min(alive, key=lambda w: len(w.pending))
        call_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        worker.pending[call_id] = future
        worker.sent += 1
        assert worker.process.stdin is not None
        line = json.dumps({"id": call_id, "request": request_to_wire(request)}, ensure_ascii=False)
        try:
            worker.process.stdin.write(line.encode("utf-8") + b"\n")
            await worker.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            worker.pending.pop(call_id, None)
            return ModelReply(text="", error=f"call worker exited with code {worker.process.returncode}")
        message = await future
        if "fatal" in message:
            raise JuryError(message["fatal"])
        if "reply" not in message:
            return ModelReply(text="", error=message["error"])
        return reply_from_wire(message)

    async def close(self) -> None:
        for worker in self._workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in self._workers:
            try:
                await asyncio.wait_for(worker.process.wait(), timeout=10)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()
            with contextlib.suppress(asyncio.CancelledError):
                await worker.reader
        self._workers = []


async def _serve(policy: CallPolicy, out: Any) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks: set[asyncio.Task[None]] = set()

    async def answer(message: dict[str, Any]) -> None:
        try:
            reply = await call_litellm(request_from_wire(message["request"]), policy)
            result: dict[str, Any] = {"id": message["id"], **reply_to_wire(reply)}
        except JuryError as exc:
            result = {"id": message["id"], "fatal": str(exc)}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()

    while line := await reader.readline():
        task = asyncio.ensure_future(answer(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)


def main() -> None:
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    policy = CallPolicy(**json.loads(sys.argv[1]))
    try:
        import uvloop

        uvloop.run(_serve(policy, out))
    except ImportError:
        asyncio.run(_serve(policy, out))


if __name__ == "__main__":
    main()
