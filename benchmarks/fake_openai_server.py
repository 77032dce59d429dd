"""A loopback OpenAI-compatible server that answers at once: a fixture for measuring
orchestration overhead, and (with its files and batches endpoints) for testing `--batch` offline.
It stops by itself after --seconds or --max-requests.

    python benchmarks/fake_openai_server.py --port 8765 --seconds 300

Batches run when they are polled: each GET /v1/batches/{id} moves a batch one step through
validating -> in_progress -> completed (`polls_to_complete` steps), and the output and error
files are written at completion from the same replies /v1/chat/completions gives.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

REPLY = "Both answers are fine, A is a little clearer. [[A]]"
# A batch row whose messages contain this text fails inside the batch (an error-file row).
FAIL_MARKER = "FAIL-IN-BATCH"


def _logprobs(top_logprobs: int) -> dict[str, Any]:
    top = [{"token": "Yes", "logprob": math.log(0.75)}, {"token": "No", "logprob": math.log(0.25)}][:top_logprobs]
    return {"content": [{"token": "Yes", "logprob": math.log(0.75), "top_logprobs": top}]}


def _completion(model: str, body: dict[str, Any] | None = None, reply: str = REPLY) -> dict[str, Any]:
    body = body or {}
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}
    if body.get("logprobs") and body.get("top_logprobs"):
        choice["logprobs"] = _logprobs(int(body["top_logprobs"]))
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132},
    }


@dataclass
class FakeOpenAI:
    """The server's state, readable by tests: what was asked of it and what it holds."""

    max_requests: int = 1_000_000
    polls_to_complete: int = 2
    # Terminal status a batch reaches: "completed", or e.g. "expired" / "failed" to test those paths.
    final_status: str = "completed"
    reply: Callable[[dict[str, Any]], str] = lambda body: REPLY
    stop: asyncio.Event | None = None
    # When set, any other key is refused with 401, the key echoed back as OpenAI does (redaction test).
    valid_key: str | None = None
    # Keep every chat body and Authorization header (tests); off for benchmarks, which send millions.
    record: bool = False
    # Faults a provider can have (tests): this many GET /batches listings answer 500 first, and the
    # first batch creation answers only after create_stall_s seconds (the batch exists meanwhile).
    list_errors: int = 0
    create_stall_s: float = 0.0
    served: int = 0
    chat_bodies: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    auth_headers: list[str] = field(default_factory=list)

    async def chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.served += 1
        if self.record:
            self.chat_bodies.append(body)
        if self.served >= self.max_requests and self.stop is not None:
            self.stop.set()
        return web.json_response(_completion(body.get("model", "bench"), body, self.reply(body)))

    async def count(self, _request: web.Request) -> web.Response:
        return web.json_response({"served": self.served})

    def _file_object(self, file_id: str) -> dict[str, Any]:
        f = self.files[file_id]
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(f["content"]),
            "created_at": int(time.time()),
            "filename": f["filename"],
            "purpose": f["purpose"],
            "status": "processed",
        }

    def _add_file(self, content: bytes, purpose: str, filename: str) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = {"content": content, "purpose": purpose, "filename": filename}
        return file_id

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        content = upload.file.read() if hasattr(upload, "file") else str(upload).encode()
        file_id = self._add_file(content, str(form.get("purpose", "")), getattr(upload, "filename", "upload.jsonl"))
        return web.json_response(self._file_object(file_id))

    async def content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return web.json_response({"error": {"message": f"no file {file_id}"}}, status=404)
        return web.Response(body=self.files[file_id]["content"], content_type="application/octet-stream")

    def _batch_object(self, batch_id: str) -> dict[str, Any]:
        b = self.batches[batch_id]
        return {k: v for k, v in b.items() if not k.startswith("_")}

    async def create_batch(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("input_file_id") not in self.files:
            return web.json_response({"error": {"message": "input file not found"}}, status=400)
        batch_id = f"batch_{len(self.batches) + 1}"
        rows = self.files[body["input_file_id"]]["content"].decode().splitlines()
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "created_at": int(time.time()),
            "output_file_id": None,
            "error_file_id": None,
            "metadata": body.get("metadata"),
            "request_counts": {"total": len(rows), "completed": 0, "failed": 0},
            "_polls": 0,
        }
        if self.create_stall_s and len(self.batches) == 1:
            await asyncio.sleep(self.create_stall_s)
        return web.json_response(self._batch_object(batch_id))

    async def list_batches(self, request: web.Request) -> web.Response:
        """Newest first, `limit` (default 20) per page, the next page `after` a batch id, as OpenAI pages."""
        if self.list_errors > 0:
            self.list_errors -= 1
            return web.json_response({"error": {"message": "the server had an error"}}, status=500)
        ids = list(reversed(self.batches))
        after = request.query.get("after")
        start = ids.index(after) + 1 if after in ids else 0
        page = ids[start : start + int(request.query.get("limit", 20))]
        data = [self._batch_object(b) for b in page]
        has_more = start + len(page) < len(ids)
        first, last = (page[0], page[-1]) if page else (None, None)
        return web.json_response(
            {"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": has_more}
        )

    def _run_batch(self, batch: dict[str, Any]) -> None:
        """Answer every row as /v1/chat/completions would; rows carrying FAIL_MARKER fail."""
        ok, failed = [], []
        for k, line in enumerate(self.files[batch["input_file_id"]]["content"].decode().splitlines()):
            row = json.loads(line)
            body = row["body"]
            out: dict[str, Any] = {"id": f"batch_req_{k}", "custom_id": row["custom_id"], "error": None}
            if self.final_status == "expired" and k % 2:
                out["response"] = None
                out["error"] = {"code": "batch_expired", "message": "This request could not be executed in time."}
                failed.append(out)
            elif FAIL_MARKER in json.dumps(body):
                err = {"error": {"message": "the request was refused", "type": "invalid_request_error"}}
                out["response"] = {"status_code": 400, "request_id": f"req_{k}", "body": err}
                failed.append(out)
            else:
                completion = _completion(body["model"], body, self.reply(body))
                out["response"] = {"status_code": 200, "request_id": f"req_{k}", "body": completion}
                ok.append(out)

        def jsonl(rows: list[dict[str, Any]]) -> bytes:
            return "".join(json.dumps(r) + "\n" for r in rows).encode()

        if ok:
            batch["output_file_id"] = self._add_file(jsonl(ok), "batch_output", "output.jsonl")
        if failed:
            batch["error_file_id"] = self._add_file(jsonl(failed), "batch_output", "errors.jsonl")
        batch["request_counts"] = {"total": len(ok) + len(failed), "completed": len(ok), "failed": len(failed)}

    async def retrieve_batch(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["batch_id"]
        if batch_id not in self.batches:
            return web.json_response({"error": {"message": f"no batch {batch_id}"}}, status=404)
        batch = self.batches[batch_id]
        batch["_polls"] += 1
        if batch["status"] in ("validating", "in_progress"):
            if batch["_polls"] >= self.polls_to_complete:
                if self.final_status != "failed":
                    self._run_batch(batch)
                batch["status"] = self.final_status
            else:
                batch["status"] = "in_progress"
        return web.json_response(self._batch_object(batch_id))

    @web.middleware
    async def _check_key(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.record:
            self.auth_headers.append(request.headers.get("Authorization", ""))
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.valid_key is not None and request.path != "/count" and sent != self.valid_key:
            error = {"message": f"Incorrect API key provided: {sent}.", "type": "invalid_request_error"}
            return web.json_response({"error": error}, status=401)
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_key])
        for prefix in ("/v1", ""):
            app.router.add_post(f"{prefix}/chat/completions", self.chat)
            app.router.add_post(f"{prefix}/files", self.upload)
            app.router.add_get(f"{prefix}/files/{{file_id}}/content", self.content)
            app.router.add_post(f"{prefix}/batches", self.create_batch)
            app.router.add_get(f"{prefix}/batches", self.list_batches)
            app.router.add_get(f"{prefix}/batches/{{batch_id}}", self.retrieve_batch)
        app.router.add_get("/count", self.count)
        return app


def build_app(max_requests: int, stop: asyncio.Event) -> web.Application:
    return FakeOpenAI(max_requests=max_requests, stop=stop).app()


async def serve(port: int, seconds: float, max_requests: int) -> None:
    stop = asyncio.Event()
    runner = web.AppRunner(build_app(max_requests, stop), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.seconds, args.max_requests))
