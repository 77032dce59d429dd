"""Remote calls made by worker processes: same replies, same store rows, retries and key errors
handled as in-process, cached re-runs never start a worker. A loopback OpenAI-compatible server
(aiohttp, in a thread) stands in for the provider, since workers cannot see in-process providers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aiohttp import web

from jury.errors import JuryError
from jury.models.call_workers import request_from_wire, request_to_wire
from jury.models.client import ModelClient
from jury.models.policy import CallPolicy
from jury.models.request import ModelRequest
from jury.store import CallStore

from .helpers import serve_in_thread

SECRET = "sk-test-never-shown-0123456789"


class FakeOpenAI:
    """Answers 'Verdict for <last word of the prompt>' with Yes/No logprobs; the first
    `rate_limited` requests get a 429; a request mentioning 'badkey' gets a 401."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.rate_limited = 0
        self.url = ""

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        prompt = body["messages"][-1]["content"]
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return web.json_response({"error": {"message": "slow down", "type": "rate_limit"}}, status=429)
        if "badkey" in prompt:
            return web.json_response({"error": {"message": "bad key", "type": "invalid_api_key"}}, status=401)
        top = [{"token": "Yes", "logprob": -0.2, "bytes": [89]}, {"token": "No", "logprob": -1.7, "bytes": [78]}]
        first = {"token": "Yes", "logprob": -0.2, "bytes": [89], "top_logprobs": top}
        return web.json_response(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": f"Verdict for {prompt.split()[-1]}"},
                        "logprobs": {"content": [first]},
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
            }
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        return app


@pytest.fixture
def server(monkeypatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    fake = FakeOpenAI()
    with serve_in_thread(fake.app()) as fake.url:
        yield fake


FAST = dict(backoff_base_s=0.01, backoff_max_s=0.02, max_retries=3, concurrency=16)


def _requests(server: FakeOpenAI, n: int, tag: str = "item") -> list[ModelRequest]:
    return [
        ModelRequest(
            model="openai/gpt-4.1-mini",
            messages=(("user", f"Judge {tag}{i}"),),
            max_tokens=8,
            top_logprobs=2,
            api_base=server.url,
        )
        for i in range(n)
    ]


def _run(tmp_path, name: str, requests: list[ModelRequest], **policy) -> tuple[list, ModelClient, list[int]]:
    client = ModelClient(CallStore(tmp_path / f"{name}.sqlite"), CallPolicy(**{**FAST, **policy}))
    try:
        replies = client.call_many(requests)
        started = len(client._pool._workers) if client._pool else 0
        per_worker = [w.sent for w in client._pool._workers] if started else []
    finally:
        client.close()
    return replies, client, per_worker


def _store_rows(path) -> list[tuple]:
    store = CallStore(path)
    try:
        return sorted(
            (key, json.loads(reply)["text"], json.loads(reply)["first_token_top"])
            for key, reply in store._db.execute("SELECT key, reply FROM calls")
        )
    finally:
        store.close()


def test_the_wire_round_trips_a_request_exactly():
    request = ModelRequest(
        model="openai/x", messages=(("user", "q"), ("assistant", "a")), stop=("\n",), seed=3, api_base="http://h"
    )
    back = request_from_wire(json.loads(json.dumps(request_to_wire(request))))
    assert back == request and back.key() == request.key()


def test_workers_give_the_same_replies_and_store_rows_and_a_cached_rerun_starts_none(tmp_path, server):
    requests = _requests(server, 24)
    inline, _, _ = _run(tmp_path, "inline", requests, workers=1)
    pooled, client, per_worker = _run(tmp_path, "pooled", requests, workers=2)
    assert len(per_worker) == 2 and sum(per_worker) == 24 and min(per_worker) > 0  # both workers were used
    assert client.calls_made == 24 and len(server.requests) == 48
    assert [(r.text, r.first_token_top, r.usage.prompt_tokens, r.error) for r in pooled] == [
        (r.text, r.first_token_top, r.usage.prompt_tokens, r.error) for r in inline
    ]
    assert pooled[5].text == "Verdict for item5" and pooled[5].first_token_top == (("Yes", -0.2), ("No", -1.7))
    assert pooled[5].usage.cost_usd > 0  # priced by litellm in the worker
    assert _store_rows(tmp_path / "pooled.sqlite") == _store_rows(tmp_path / "inline.sqlite")

    again, client, per_worker = _run(tmp_path, "pooled", requests, workers=2)  # everything is cached now
    assert client.calls_made == 0 and client.cache_hits == 24 and per_worker == [] and len(server.requests) == 48
    assert [r.text for r in again] == [r.text for r in pooled] and all(r.usage.cached for r in again)


def test_rate_limits_are_retried_inside_workers_and_counted(tmp_path, server):
    server.rate_limited = 3
    replies, client, _ = _run(tmp_path, "r", _requests(server, 4), workers=2)
    assert all(r.error is None for r in replies)
    assert client.retries == 3 and client.calls_made == 4 and len(server.requests) == 7


def test_a_rejected_key_stops_the_run_without_showing_the_key(tmp_path, server):
    requests = _requests(server, 2, tag="badkey")
    with pytest.raises(JuryError, match="rejected the API key") as caught:
        _run(tmp_path, "k", requests, workers=2)
    assert SECRET not in str(caught.value)


def test_small_batches_stay_in_process_by_default(tmp_path, server):
    _, client, per_worker = _run(tmp_path, "a", _requests(server, 5), workers=None)
    assert client.calls_made == 5 and per_worker == [] and client._pool is None


def test_a_dead_worker_fails_its_calls_instead_of_hanging(tmp_path, server):
    client = ModelClient(CallStore(tmp_path / "d.sqlite"), CallPolicy(**{**FAST, "workers": 2}))
    try:
        client.call_many(_requests(server, 2, tag="warm"))
        for worker in client._pool._workers:  # type: ignore[union-attr]
            worker.process.kill()
        replies = client.call_many(_requests(server, 3, tag="after"))
    finally:
        client.close()
    assert all(r.error and "call worker exited" in r.error for r in replies)
    assert client.calls_made == 2  # the failed calls are not stored: the next run makes them
