"""--batch: judge calls through an OpenAI-compatible batch API, against an in-process fake server
(benchmarks/fake_openai_server.py) that implements /v1/files, /v1/batches and /v1/chat/completions."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import signal
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError
from jury.models.batch_format import batch_body
from jury.models.client import ModelClient
from jury.models.policy import CallPolicy
from jury.models.request import ModelRequest
from jury.store import CallStore
from jury.workflows.estimate import estimate
from jury.workflows.pipeline import RunConfig

from .conftest import ROOT, Scripted
from .helpers import ROWS, read_run, serve_in_thread, write_panel, write_task

KEY = "sk-test-batch-0123456789abcdefghij"
GPT_4O_MINI = "openai/gpt-4o-mini"
GPT_4O = "openai/gpt-4o"


def _server_module():
    spec = importlib.util.spec_from_file_location("fake_openai_server", ROOT / "benchmarks" / "fake_openai_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


FAKE = _server_module()


@pytest.fixture()
def server():
    """A FakeOpenAI on 127.0.0.1 in a thread; yields (state, base URL)."""
    fake = FAKE.FakeOpenAI(polls_to_complete=2, record=True)
    with serve_in_thread(fake.app()) as url:
        yield fake, url


@pytest.fixture()
def setup(workdir, server, monkeypatch):
    """Two judges on two models of the fake server (pairwise and logprob probe), imported candidate answers."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake, base = server
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels",
        [
            {"name": "pair", "model": GPT_4O_MINI, "strategy": "pairwise", "api_base": base},
            {"name": "probe", "model": GPT_4O, "strategy": "pointwise_probe", "api_base": base},
        ],
    )
    answers = {"q1": "2", "q2": "Rome", "q3": "left", "q4": "green"}
    (workdir / "mine.jsonl").write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    args = ["--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl"]
    return fake, args


def _judge(*args: str):
    return CliRunner().invoke(cli.app, ["judge", *args], standalone_mode=False, catch_exceptions=False)


def _batch(*args: str):
    return _judge(*args, "--batch", "--batch-poll", "0.01")


def _calls(store: Path) -> dict[str, dict]:
    with sqlite3.connect(store / "cache.sqlite") as db:
        return {k: json.loads(r) for k, r in db.execute("SELECT key, reply FROM calls")}


def _batch_rows(fake) -> list[dict]:
    return [
        json.loads(line) for f in fake.files.values() if f["purpose"] == "batch" for line in f["content"].splitlines()
    ]


def _lines(fake, batch: dict) -> list[str]:
    return fake.files[batch["input_file_id"]]["content"].splitlines()


def _results(workdir: Path) -> list[dict]:
    return [read_run(d) for d in sorted((workdir / "reports").iterdir())]


def test_batch_run_sends_the_normal_bodies_and_stores_the_same_replies(setup, workdir):
    fake, args = setup
    normal = _judge(*args, "--store", "normal")
    assert normal.exit_code == 0, normal.output
    normal_bodies = list(fake.chat_bodies)
    assert len(normal_bodies) == 16  # 4 items x (2 pairwise orders + 2 probe outputs)

    batched = _batch(*args, "--store", "batched")
    assert batched.exit_code == 0, batched.output
    assert len(fake.chat_bodies) == 16  # nothing went through /v1/chat/completions
    assert len(fake.batches) == 2  # one batch per model
    assert {b["status"] for b in fake.batches.values()} == {"completed"}
    rows = _batch_rows(fake)
    sort = lambda bodies: sorted(json.dumps(b, sort_keys=True) for b in bodies)  # noqa: E731
    assert sort(r["body"] for r in rows) == sort(normal_bodies)
    assert {r["url"] for r in rows} == {"/v1/chat/completions"}

    before, after = _calls(workdir / "normal"), _calls(workdir / "batched")
    assert {r["custom_id"] for r in rows} == set(before) == set(after)  # custom_id is the cache key
    for key, reply in before.items():
        assert after[key]["text"] == reply["text"]
        assert after[key]["first_token_top"] == reply["first_token_top"]
        assert after[key]["prompt_tokens"] == reply["prompt_tokens"]
        assert after[key]["cost_usd"] == pytest.approx(reply["cost_usd"] / 2)  # batch price: half, per litellm
    first, second = _results(workdir)
    assert second["result"] == first["result"]
    assert second["model_calls"] == 16 and second["cached_calls"] == 0

    again = _judge(*args, "--store", "batched")  # a normal run finds every reply cached
    assert again.exit_code == 0, again.output
    assert len(fake.chat_bodies) == 16 and len(fake.batches) == 2
    assert _results(workdir)[-1]["model_calls"] == 0


def test_api_key_is_used_but_never_stored_or_reported(setup, workdir):
    fake, args = setup
    result = _batch(*args)
    assert result.exit_code == 0, result.output
    assert f"Bearer {KEY}" in fake.auth_headers  # the key did reach the provider
    for path in [*(workdir / ".jury").iterdir(), *(workdir / "reports").rglob("*")]:
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in result.output


def test_a_rejected_key_is_redacted_from_the_error(setup, monkeypatch):
    fake, args = setup
    fake.valid_key = "sk-the-right-one-0123456789"
    with pytest.raises(JuryError) as caught:
        _batch(*args)
    assert "API key was rejected" in str(caught.value)
    assert KEY not in str(caught.value)
    assert not fake.batches and not fake.chat_bodies


def test_rows_that_fail_in_the_batch_are_abstentions_and_are_resubmitted_next_time(workdir, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake, base = server
    rows = [dict(r) for r in ROWS]
    rows[2]["instruction"] = f"{FAKE.FAIL_MARKER} Opposite of up?"
    task = write_task(workdir / "tasks", rows)
    panel = write_panel(
        workdir / "panels", [{"name": "pair", "model": GPT_4O_MINI, "strategy": "pairwise", "api_base": base}]
    )
    (workdir / "mine.jsonl").write_text("".join(json.dumps({"id": r["id"], "output": "x"}) + "\n" for r in ROWS))
    args = ["--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl"]
    args += ["--max-failed", "1"]  # 2 of 8 judgments fail on purpose: the run still passes, to look at them

    result = _batch(*args)
    assert result.exit_code == 0, result.output
    assert not fake.chat_bodies  # no full-price fallback
    lines = next((workdir / "reports").iterdir()).joinpath("judgments.jsonl").read_text().splitlines()
    judgments = [json.loads(line) for line in lines]
    failed = [j for j in judgments if j["unit_id"] == "q3"]
    assert len(failed) == 2 and all(j["preference"] is None for j in failed)
    assert all(
        "failed in the provider's batch (invalid_request_error): the request was refused" in j["abstain_reason"]
        for j in failed
    )
    assert all(j["abstain_reason"] is None for j in judgments if j["unit_id"] != "q3")

    again = _batch(*args)  # only the two failed requests are submitted again
    assert again.exit_code == 0, again.output
    assert len(fake.batches) == 2
    assert fake.batches["batch_2"]["request_counts"]["total"] == 2
    assert not fake.chat_bodies


def test_an_expired_batch_keeps_its_finished_rows(setup, workdir):
    fake, args = setup
    fake.final_status = "expired"  # the fake answers even rows and expires odd ones
    result = _batch(*args, "--max-failed", "1")  # half the judgments fail on purpose
    assert result.exit_code == 0, result.output
    judgments = [json.loads(line) for line in next((workdir / "reports").iterdir()).joinpath("judgments.jsonl").open()]
    reasons = {j["abstain_reason"] for j in judgments if j["abstain_reason"]}
    assert any("batch_expired" in r for r in reasons)
    assert len(_calls(workdir / ".jury")) == 8  # half of the 16 rows were answered and stored
    assert not fake.chat_bodies


def test_a_failed_batch_makes_every_request_an_abstention_with_the_status(setup, workdir):
    fake, args = setup
    fake.final_status = "failed"  # e.g. the provider rejected the input file: no output at all
    with pytest.raises(JuryError, match=r"no verdict on any of the 4 judged units .*batch ended 'failed'"):
        _batch(*args)  # exits 1, with the report written
    judgments = [json.loads(line) for line in next((workdir / "reports").iterdir()).joinpath("judgments.jsonl").open()]
    assert len(judgments) == 12 and all(j["preference"] is None for j in judgments)
    assert all("call failed: the provider's batch ended 'failed'" in j["abstain_reason"] for j in judgments)
    assert not _calls(workdir / ".jury") and not fake.chat_bodies


@pytest.mark.parametrize("how", ["sigint", "exception"])
def test_interrupted_while_polling_resumes_without_resubmitting(setup, workdir, monkeypatch, how):
    fake, args = setup
    import litellm

    real = litellm.aretrieve_batch

    async def crash(**kwargs):  # Ctrl-C at the first poll of either model's batch
        if how == "sigint":  # a first Ctrl-C: asyncio cancels the run
            signal.raise_signal(signal.SIGINT)
            await asyncio.sleep(10)
        raise KeyboardInterrupt  # a second one, raised where the run stands

    monkeypatch.setattr(litellm, "aretrieve_batch", crash)
    result = _batch(*args)
    assert result.return_value == 130  # the CLI's exit code for an interrupted run
    assert "submitted batches keep running" in " ".join(result.output.split())
    created = set(fake.batches)  # the interrupt may come before the second model's batch is created
    assert created
    (partial,) = (workdir / "reports").iterdir()  # the interrupted run's record, with nothing judged yet
    assert read_run(partial)["status"] == "interrupted" and read_run(partial)["result"]["n_judged"] == 0
    store = CallStore(workdir / ".jury" / "cache.sqlite")
    # Every batch the provider created is in the store: by id, or (when a second Ctrl-C came between
    # its creation and the store update) by its input file, which the resume adopts it by.
    recorded = store.open_batches()
    assert {fake.batches[b]["input_file_id"] for b in created} <= {r.input_file_id for r in recorded}
    assert {r.batch_id for r in recorded} - {None} <= created
    if how == "sigint":  # a first Ctrl-C lets an upload or a creation in flight finish and be recorded
        assert created <= {r.batch_id for r in recorded}
    store.close()

    monkeypatch.setattr(litellm, "aretrieve_batch", real)
    resumed = _batch(*args)
    assert resumed.exit_code == 0, resumed.output
    assert created <= set(fake.batches) and len(fake.batches) == 2  # resumed, not resubmitted
    batched = [json.loads(line)["custom_id"] for b in fake.batches.values() for line in _lines(fake, b)]
    assert len(batched) == len(set(batched)) == 16  # no request is in two batches: none is paid twice
    # An upload whose answer a second Ctrl-C cut off is made again: a file alone is never run or billed.
    if how == "sigint":
        assert len(_batch_rows(fake)) == 16  # not even uploaded twice
    assert not fake.chat_bodies
    assert len(_calls(workdir / ".jury")) == 16
    store = CallStore(workdir / ".jury" / "cache.sqlite")
    assert store.open_batches() == []
    store.close()


def test_interrupted_between_create_and_record_adopts_the_created_batch(setup, workdir, monkeypatch):
    fake, args = setup
    real = CallStore.update_batch

    def crash(self, record_id, *, status, batch_id=None, collected=False):
        if batch_id is not None:
            raise KeyboardInterrupt  # the provider created the batch; the store never heard of it
        return real(self, record_id, status=status, batch_id=batch_id, collected=collected)

    monkeypatch.setattr(CallStore, "update_batch", crash)
    assert _batch(*args).return_value == 130
    assert len(fake.batches) >= 1
    created = len(fake.batches)
    monkeypatch.setattr(CallStore, "update_batch", real)

    resumed = _batch(*args)
    assert resumed.exit_code == 0, resumed.output
    assert len(fake.batches) == 2 and created <= 2  # the created one was found by its input file
    assert len(_calls(workdir / ".jury")) == 16 and not fake.chat_bodies


def test_jury_run_batches_judges_and_calls_providers_without_a_batch_api_normally(
    workdir, server, scripts, monkeypatch, caplog
):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake, base = server
    scripts["cand"] = Scripted(reply=lambda p: "an answer")
    scripts["scripted-judge"] = Scripted(reply=lambda p: "[[A]]")
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels",
        [
            {"name": "pair", "model": GPT_4O_MINI, "strategy": "pairwise", "api_base": base},
            {"name": "scripted", "model": "scripted/scripted-judge", "strategy": "pairwise"},
        ],
    )
    with caplog.at_level(logging.WARNING, logger="jury.models.batch"):
        result = CliRunner().invoke(
            cli.app,
            [
                "run",
                "--task",
                str(task),
                "--panel",
                str(panel),
                "--candidate",
                "scripted/cand",
                "--batch",
                "--batch-poll",
                "0",
            ],
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    assert len(scripts["cand"].calls) == 4  # generation is never batched
    assert len(scripts["scripted-judge"].calls) == 8
    assert len(fake.batches) == 1 and not fake.chat_bodies
    notices = [r.getMessage() for r in caplog.records if "no batch API" in r.getMessage()]
    assert notices == [
        "--batch: scripted/scripted-judge has no batch API through litellm; its 8 request(s) are made one at a time"
    ]


def test_max_cost_reserves_at_batch_prices_and_stops_on_what_does_not_fit(setup, workdir):
    fake, args = setup
    with pytest.raises(JuryError, match="stopped while judging"):
        _batch(*args, "--max-cost", "0.0005")
    submitted = sum(b["request_counts"]["total"] for b in fake.batches.values())
    assert 0 < submitted < 16  # what fit under the limit went out; the rest was not made
    assert not fake.chat_bodies


def test_estimate_prices_batched_judge_calls_at_batch_rates(setup, workdir):
    _, args = setup
    config = RunConfig(task=args[1], panel=args[3], candidate_outputs=Path(args[5]))
    full = estimate(config).worst_case_cost_usd
    batched = estimate(replace(config, policy=CallPolicy(batch=True))).worst_case_cost_usd
    assert full > 0 and batched == pytest.approx(full / 2)
    result = CliRunner().invoke(cli.app, ["estimate", *args, "--batch"], catch_exceptions=False)
    assert f"${batched:.4f}" in result.output


@pytest.mark.parametrize("model", [GPT_4O_MINI, "openai/o3-mini", "hosted_vllm/Qwen/Qwen2.5-7B-Instruct"])
def test_batch_body_is_what_a_single_call_sends(server, workdir, model, monkeypatch):
    """litellm maps parameters per model (o-series: max_completion_tokens, no temperature or logprobs)."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake, base = server
    request = ModelRequest(
        model=model, messages=(("user", "Which is better?"),), max_tokens=7, top_logprobs=5, stop=("\n",), api_base=base
    )
    with ModelClient(CallStore(workdir / "s.sqlite")) as client:
        reply = client.call(request)
    assert reply.error is None, reply.error
    assert batch_body(request) == fake.chat_bodies[-1]


def test_hosted_vllm_batches_send_its_own_key_not_openais(workdir, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("HOSTED_VLLM_API_KEY", raising=False)
    fake, base = server
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels", [{"name": "vllm", "model": "hosted_vllm/judge", "strategy": "pairwise", "api_base": base}]
    )
    (workdir / "mine.jsonl").write_text("".join(json.dumps({"id": r["id"], "output": "x"}) + "\n" for r in ROWS))
    result = _batch("--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl")
    assert result.exit_code == 0, result.output
    assert len(fake.batches) == 1 and not fake.chat_bodies
    assert {r["body"]["model"] for r in _batch_rows(fake)} == {"judge"}
    assert f"Bearer {KEY}" not in fake.auth_headers


def test_a_normal_run_points_at_open_batches_instead_of_paying_twice(setup, workdir, monkeypatch, caplog):
    _, args = setup
    import litellm

    async def crash(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(litellm, "aretrieve_batch", crash)
    _batch(*args)
    with caplog.at_level(logging.WARNING, logger="jury.models.batch"):
        _judge(*args)
    assert any("add --batch to collect" in r.getMessage() for r in caplog.records)


def test_a_store_from_before_batches_gains_the_batch_tables_and_keeps_its_replies(tmp_path):
    path = tmp_path / "cache.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    db.execute("CREATE TABLE calls (key TEXT PRIMARY KEY, model TEXT, request TEXT, reply TEXT, created_at TEXT)")
    db.execute("INSERT INTO _migrations VALUES ('m001_calls', 'then')")
    db.execute("INSERT INTO calls VALUES ('k', 'm', '{}', '{\"text\": \"kept\"}', 'then')")
    db.commit()
    db.close()
    store = CallStore(path)
    assert store.get("k") == {"text": "kept"} and store.open_batches() == []
    store.close()
