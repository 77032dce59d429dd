"""--batch under interruption and lost answers: no request may end up in two provider batches (paid
twice). Ctrl-C is injected at each step of one model's batch while the other model's batch is held
at its first poll, so both are in flight at known steps; then the same requests are asked again."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from jury.errors import JuryError
from jury.models.batch import answer_in_batches
from jury.models.client import ModelClient
from jury.models.finish_on_interrupt import finish_then_stop
from jury.models.policy import CallPolicy
from jury.models.request import ModelRequest
from jury.store import CallStore

from .helpers import serve_in_thread
from .test_batch import FAKE, GPT_4O, GPT_4O_MINI, KEY

POLICY = CallPolicy(batch=True, batch_poll_s=0.01, backoff_base_s=0.01, max_retries=2, timeout_s=5.0)
HELD, STEPPED = GPT_4O_MINI, GPT_4O  # the model held at its first poll; the model interrupted at a step


class _Bars:
    def start(self, label: str, total: int) -> Callable[[], None]:
        return lambda: None


@pytest.fixture()
def fake(monkeypatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    state = FAKE.FakeOpenAI(polls_to_complete=2, record=True)
    with serve_in_thread(state.app()) as url:
        yield state, url


def _requests(base: str) -> list[ModelRequest]:
    return [
        ModelRequest(model=model, messages=(("user", f"question {i}"),), max_tokens=8, api_base=base)
        for model in (HELD, STEPPED)
        for i in range(4)
    ]


def _answer(store: Path, requests: list[ModelRequest], policy: CallPolicy = POLICY) -> None:
    calls = CallStore(store)
    try:
        with ModelClient(calls, policy) as client:
            answer_in_batches(client, requests, _Bars())
    finally:
        calls.close()


def _in_files(fake, file_ids: list[str]) -> Counter[str]:
    return Counter(json.loads(line)["custom_id"] for f in file_ids for line in fake.files[f]["content"].splitlines())


def _batched(fake) -> Counter[str]:
    """How many created batches each request is in: more than one is paid more than once."""
    return _in_files(fake, [b["input_file_id"] for b in fake.batches.values()])


def _uploaded(fake) -> Counter[str]:
    return _in_files(fake, [f for f, v in fake.files.items() if v["purpose"] == "batch"])


def _model_of_file(fake, file_id: str) -> str:
    return HELD if '"model": "gpt-4o-mini"' in fake.files[file_id]["content"].decode() else STEPPED


def _model_of_batch(fake, batch_id: str) -> str:
    return _model_of_file(fake, fake.batches[batch_id]["input_file_id"])


def _model_of_output(fake, file_id: str) -> str:
    batch = next(b for b in fake.batches.values() if file_id in (b["output_file_id"], b["error_file_id"]))
    return _model_of_file(fake, batch["input_file_id"])


# step -> (litellm function, does the provider act before the interrupt lands?, whose call it is)
STEPS: dict[str, tuple[str, bool, Callable[[Any, dict], str]]] = {
    "upload answered": ("acreate_file", True, lambda fake, kw: _upload_model(kw)),
    "before create": ("acreate_batch", False, lambda fake, kw: _model_of_file(fake, kw["input_file_id"])),
    "create answered": ("acreate_batch", True, lambda fake, kw: _model_of_file(fake, kw["input_file_id"])),
    "polling": ("aretrieve_batch", False, lambda fake, kw: _model_of_batch(fake, kw["batch_id"])),
    "results downloaded": ("afile_content", True, lambda fake, kw: _model_of_output(fake, kw["file_id"])),
}


def _upload_model(kwargs: dict) -> str:
    return HELD if b'"model": "gpt-4o-mini"' in kwargs["file"][1] else STEPPED


def _interrupt_at(monkeypatch, fake, step: str, how: str) -> None:
    """HELD waits at its first poll; STEPPED, once HELD is there, is interrupted at `step`:
    by SIGINT (a first Ctrl-C: asyncio cancels the run) or a raised KeyboardInterrupt (a second one)."""
    import litellm

    name, acts_first, whose = STEPS[step]
    held, reached = asyncio.Event(), asyncio.Event()
    real = {n: getattr(litellm, n) for n in ("acreate_file", "acreate_batch", "aretrieve_batch", "afile_content")}

    def wrap(fn_name: str) -> Callable[..., Any]:
        async def call(**kwargs: Any) -> Any:
            if fn_name == "aretrieve_batch" and _model_of_batch(fake, kwargs["batch_id"]) == HELD:
                held.set()
                await asyncio.wait_for(reached.wait(), 10)  # cancelled or abandoned by the interrupt
            if fn_name != name or whose(fake, kwargs) != STEPPED:
                return await real[fn_name](**kwargs)
            await asyncio.wait_for(held.wait(), 10)
            result = await real[fn_name](**kwargs) if acts_first else None
            reached.set()
            if how == "exception":
                raise KeyboardInterrupt
            signal.raise_signal(signal.SIGINT)
            await asyncio.sleep(0.2)  # the answer is on its way when the cancellation lands
            return result if acts_first else await real[fn_name](**kwargs)

        return call

    for fn_name in real:
        monkeypatch.setattr(litellm, fn_name, wrap(fn_name))


@pytest.mark.parametrize("how", ["sigint", "exception"])
@pytest.mark.parametrize("step", list(STEPS))
def test_an_interrupt_at_any_step_resumes_and_pays_for_each_request_once(fake, tmp_path, monkeypatch, step, how):
    state, base = fake
    requests = _requests(base)
    with monkeypatch.context() as patch:
        _interrupt_at(patch, state, step, how)
        with pytest.raises(KeyboardInterrupt):
            _answer(tmp_path / "s.sqlite", requests)
    after_interrupt = dict(state.batches)
    # every batch the store knows, open or already collected (the held model's batch may finish while
    # the interrupted one is being recorded: its replies are then stored, which is as good)
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        recorded = [SimpleNamespace(input_file_id=f, batch_id=b)
                    for f, b in db.execute("SELECT input_file_id, batch_id FROM batches")]  # fmt: skip
    if how == "sigint":
        # A first Ctrl-C lets an upload or a creation in flight finish and be recorded before the
        # run stops: nothing at the provider is unknown to the store.
        assert {b["input_file_id"] for b in after_interrupt.values()} <= {r.input_file_id for r in recorded}
        assert set(after_interrupt) <= {r.batch_id for r in recorded}
        assert {f for f, v in state.files.items() if v["purpose"] == "batch"} == {r.input_file_id for r in recorded}

    _answer(tmp_path / "s.sqlite", requests)
    assert len(state.batches) == 2  # one per model: resumed, not submitted again
    assert set(_batched(state).values()) == {1} and len(_batched(state)) == 8
    if how == "sigint":
        assert set(_uploaded(state).values()) == {1}  # not even a second (free) upload
    store = CallStore(tmp_path / "s.sqlite")
    assert all(store.get(r.key()) is not None for r in requests)
    assert store.open_batches() == []
    store.close()
    assert not state.chat_bodies


def test_a_create_answer_lost_to_a_timeout_is_found_not_created_again(fake, tmp_path):
    """The provider created the batch but its answer came too late: retrying the create blindly
    (as the OpenAI SDK does by itself) would run and bill the same requests twice."""
    state, base = fake
    state.create_stall_s = 2.5
    _answer(tmp_path / "s.sqlite", _requests(base)[:4], replace(POLICY, timeout_s=1.0))
    assert len(state.batches) == 1
    assert set(_batched(state).values()) == {1}


def _crash_before_recording_the_batch_id(monkeypatch) -> None:
    real = CallStore.update_batch

    def crash(self, record_id, *, status, batch_id=None, collected=False):
        if batch_id is not None:
            raise KeyboardInterrupt  # the provider created the batch; the store never heard of it
        return real(self, record_id, status=status, batch_id=batch_id, collected=collected)

    monkeypatch.setattr(CallStore, "update_batch", crash)


def test_a_resume_that_cannot_read_the_batch_list_creates_nothing(fake, tmp_path, monkeypatch):
    state, base = fake
    requests = _requests(base)[:4]
    with monkeypatch.context() as patch:
        _crash_before_recording_the_batch_id(patch)
        with pytest.raises(KeyboardInterrupt):
            _answer(tmp_path / "s.sqlite", requests)
    assert len(state.batches) == 1
    state.list_errors = 100  # the provider's batch list keeps failing
    with pytest.raises(JuryError, match="listing"):
        _answer(tmp_path / "s.sqlite", requests)
    assert len(state.batches) == 1  # not created again on the chance it was not created

    state.list_errors = 0
    _answer(tmp_path / "s.sqlite", requests)
    assert len(state.batches) == 1 and set(_batched(state).values()) == {1}


def test_a_resume_finds_the_created_batch_past_the_first_page_of_the_list(fake, tmp_path, monkeypatch):
    state, base = fake
    requests = _requests(base)[:4]
    with monkeypatch.context() as patch:
        _crash_before_recording_the_batch_id(patch)
        with pytest.raises(KeyboardInterrupt):
            _answer(tmp_path / "s.sqlite", requests)
    (mine,) = state.batches.values()
    for i in range(250):  # other work created since: listed before it, newest first
        state.batches[f"batch_other_{i}"] = {**mine, "id": f"batch_other_{i}", "input_file_id": "file-other"}
    _answer(tmp_path / "s.sqlite", requests)
    assert sum(b["input_file_id"] == mine["input_file_id"] for b in state.batches.values()) == 1
    assert len(state.batches) == 251
    store = CallStore(tmp_path / "s.sqlite")
    assert all(store.get(r.key()) is not None for r in requests)
    store.close()


async def _cancel_and_watch(cancels: int) -> tuple[list[str], asyncio.Task, asyncio.Event]:
    """A finish_then_stop whose call waits on an event, cancelled `cancels` times (Ctrl-C presses)."""
    answer, recorded = asyncio.Event(), []

    async def call() -> str:
        await answer.wait()
        recorded.append("batch_1")  # the store write, part of the attempt
        return "batch_1"

    task = asyncio.ensure_future(finish_then_stop(call(), "creating the batch"))
    await asyncio.sleep(0.01)  # the call is in flight
    for _ in range(cancels):
        task.cancel()
        await asyncio.sleep(0.01)
    return recorded, task, answer


def test_a_first_ctrl_c_lets_the_call_in_flight_finish_and_be_recorded_then_stops():
    async def scenario() -> None:
        recorded, task, answer = await _cancel_and_watch(cancels=1)
        assert not task.done()  # still waiting for the provider's answer
        answer.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert recorded == ["batch_1"]

    asyncio.run(scenario())


def test_a_second_ctrl_c_stops_at_once():
    async def scenario() -> None:
        recorded, task, answer = await _cancel_and_watch(cancels=2)
        assert task.cancelled()
        answer.set()
        await asyncio.sleep(0.01)
        assert recorded == []  # the abandoned call was cancelled too, not left running

    asyncio.run(scenario())


def test_the_lookup_stops_paging_at_batches_older_than_the_run(fake, tmp_path, monkeypatch):
    import litellm

    state, base = fake
    requests = _requests(base)[:4]
    hours_ago = int(time.time()) - 7200
    for i in range(250):  # an older history
        state.batches[f"batch_old_{i}"] = {"id": f"batch_old_{i}", "input_file_id": "file-old", "created_at": hours_ago}

    async def crash(**kwargs):
        raise KeyboardInterrupt  # uploaded and recorded, never created

    with monkeypatch.context() as patch:
        patch.setattr(litellm, "acreate_batch", crash)
        with pytest.raises(KeyboardInterrupt):
            _answer(tmp_path / "s.sqlite", requests)
    pages, real = [], litellm.alist_batches

    async def listing(**kwargs):
        pages.append(kwargs.get("after"))
        return await real(**kwargs)

    monkeypatch.setattr(litellm, "alist_batches", listing)
    _answer(tmp_path / "s.sqlite", requests)
    assert sum(not b["id"].startswith("batch_old") for b in state.batches.values()) == 1
    assert pages == [None]  # the first page reached batches older than the run: the rest is not read
