"""A loopback OpenAI-compatible chat server that answers at once: a fixture for measuring
orchestration overhead. It stops by itself after --seconds or --max-requests.

    python benchmarks/fake_openai_server.py --port 8765 --seconds 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time

from aiohttp import web

REPLY = "Both answers are fine, A is a little clearer. [[A]]"


def _completion(model: str) -> dict:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": REPLY}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132},
    }


def build_app(max_requests: int, stop: asyncio.Event) -> web.Application:
    served = {"n": 0}

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        served["n"] += 1
        if served["n"] >= max_requests:
            stop.set()
        return web.Response(text=json.dumps(_completion(body.get("model", "bench"))), content_type="application/json")

    async def count(_request: web.Request) -> web.Response:
        return web.json_response({"served": served["n"]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/chat/completions", chat)
    app.router.add_get("/count", count)
    return app


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
