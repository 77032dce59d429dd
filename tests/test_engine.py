"""The call engine with scripted models: retries, failures, cache hits, budget, resume (call counts)."""

from __future__ import annotations

import pytest

from jury.errors import JuryError
from jury.models.client import ModelClient
from jury.models.policy import CallPolicy
from jury.models.request import ModelRequest
from jury.store import CallStore
from jury.workflows.pipeline import RunConfig, run

from .conftest import Scripted
from .helpers import CANDIDATE_ANSWERS, ROWS, write_panel, write_task

FAST = CallPolicy(backoff_base_s=0.001, backoff_max_s=0.002, max_retries=3)


def _req(model: str, text: str = "hello", replicate: int = 0) -> ModelRequest:
    return ModelRequest(model=model, messages=(("user", text),), max_tokens=8, replicate=replicate)


_OPEN: list[ModelClient] = []


def _client(tmp_path, policy: CallPolicy = FAST) -> ModelClient:
    client = ModelClient(CallStore(tmp_path / "cache.sqlite"), policy)
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _OPEN:
        _OPEN.pop().close()


class _Flaky:
    """Fails the first `failures` calls with `error`, then answers."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.left, self.error = failures, error

    def __call__(self, prompt: str) -> str:
        if self.left > 0:
            self.left -= 1
            raise self.error
        return "fine"


def _rate_limit():
    import litellm

    return litellm.RateLimitError(message="slow down", llm_provider="scripted", model="scripted/flaky")


def test_rate_limits_are_retried_with_backoff_then_succeed(tmp_path, scripts):
    scripts["flaky"] = Scripted(reply=_Flaky(2, _rate_limit()))
    client = _client(tmp_path)
    reply = client.call(_req("scripted/flaky"))
    assert reply.error is None and reply.text == "fine"
    assert len(scripts["flaky"].calls) == 3 and client.retries == 2 and reply.retries == 2


def test_a_call_that_keeps_failing_becomes_a_recorded_error_not_a_crash(tmp_path, scripts):
    scripts["down"] = Scripted(reply=_Flaky(99, _rate_limit()))
    client = _client(tmp_path)
    reply = client.call(_req("scripted/down"))
    assert reply.error is not None and "RateLimitError" in reply.error
    assert len(scripts["down"].calls) == 1 + FAST.max_retries
    assert client.store.count() == 0  # failures are not cached: the next run tries again


def test_bad_requests_are_not_retried(tmp_path, scripts):
    import litellm

    bad = litellm.BadRequestError(message="bad", model="scripted/bad", llm_provider="scripted")
    scripts["bad"] = Scripted(reply=_Flaky(99, bad))
    reply = _client(tmp_path).call(_req("scripted/bad"))
    assert reply.error is not None and len(scripts["bad"].calls) == 1


def test_same_request_is_one_call_and_a_replicate_is_another(tmp_path, scripts):
    scripts["echo"] = Scripted(reply=lambda p: p.upper())
    client = _client(tmp_path)
    replies = client.call_many([_req("scripted/echo"), _req("scripted/echo"), _req("scripted/echo", replicate=1)])
    assert [r.text for r in replies] == ["HELLO"] * 3
    again = _client(tmp_path).call_many([_req("scripted/echo"), _req("scripted/echo", replicate=1)])
    assert all(r.usage.cached for r in again)
    # two identical requests in one batch are one call; the replicate is another
    assert len(scripts["echo"].calls) == 2


def test_concurrency_per_provider_is_bounded(tmp_path, scripts):
    import threading
    import time

    live, peak, lock = [0], [0], threading.Lock()

    def slow(prompt: str) -> str:
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(0.01)
        with lock:
            live[0] -= 1
        return "ok"

    scripts["slow"] = Scripted(reply=slow)
    client = _client(tmp_path, CallPolicy(concurrency=3))
    # the scripted provider runs in the event loop thread, so live calls never overlap here;
    # what is checked is that the semaphore never admits more than the limit
    client.call_many([_req("scripted/slow", str(i)) for i in range(12)])
    assert peak[0] <= 3 and len(scripts["slow"].calls) == 12


def _priced(name: str, per_token: float) -> None:
    import litellm

    litellm.register_model(
        {
            f"scripted/{name}": {
                "input_cost_per_token": per_token,
                "output_cost_per_token": per_token,
                "litellm_provider": "scripted",
                "mode": "chat",
                "max_tokens": 100,
            }
        }
    )


def test_budget_stops_before_it_is_exceeded(tmp_path, scripts):
    _priced("pricey", 0.001)
    scripts["pricey"] = Scripted(reply=lambda p: "ok")
    from jury.models.budget import estimate_cost

    worst = estimate_cost(_req("scripted/pricey", "question 0"))
    # worst case: ~9 prompt tokens + 8 max output tokens at $0.001; a real call costs $0.003
    assert worst == pytest.approx(0.017, abs=0.0015)
    client = _client(tmp_path, CallPolicy(max_cost_usd=0.0215, concurrency=1))
    replies = client.call_many([_req("scripted/pricey", f"question {i}") for i in range(10)])
    made = [r for r in replies if not r.not_made]
    # call 1: 0 + 0.017 fits; call 2: 0.003 + 0.017 fits; call 3: 0.006 + 0.017 > 0.0215
    assert len(made) == 2 and client.skipped_for_budget == 8
    assert len(scripts["pricey"].calls) == 2
    assert client.budget.spent_usd == pytest.approx(0.006)


def _pipeline_setup(workdir, scripts, judge_reply):
    scripts["cand"] = Scripted(reply=lambda p: CANDIDATE_ANSWERS[p])
    scripts["judge"] = Scripted(reply=judge_reply)
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pairwise"}])
    return RunConfig(
        task=str(task), candidate="scripted/cand", panel=str(panel), reports_dir=workdir / "reports", policy=FAST
    )


def test_max_cost_stop_in_a_run_names_the_budget_and_keeps_what_was_paid(workdir, scripts):
    _priced("judge", 0.00001)  # worst case ~$0.0055 a call (512 max tokens), real ~$0.0004
    config = _pipeline_setup(workdir, scripts, lambda p: "[[A]]")
    # 8 judge calls start at once; in-flight calls count at worst case, so 3 fit under $0.0185
    config = RunConfig(**{**config.__dict__, "policy": CallPolicy(max_cost_usd=0.0185, concurrency=8)})
    stopped = run(config)  # a stopped run returns its partial record instead of raising
    assert stopped.status == "stopped_budget"
    assert "5 call(s) not made because they could exceed --max-cost $0.0185" in stopped.record.stop_reason
    paid = len(scripts["judge"].calls)
    assert paid == 3
    assert CallStore(workdir / ".jury" / "cache.sqlite").count() == 4 + paid  # generations + paid judgments
    # the partial record holds the judgments whose two orders were both paid for, and nothing else
    stored_units = {j.unit_id for j in stopped.judgments}
    assert len(stopped.judgments) == 2 * len(stored_units) and len(stored_units) <= paid // 2
    assert stopped.units_not_judged == 4 - len(stored_units)


class _Crash:
    """Answers `n` calls, then the process 'dies' (KeyboardInterrupt escapes, as with Ctrl-C)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.answered = 0

    def __call__(self, prompt: str) -> str:
        if self.answered >= self.n:
            raise KeyboardInterrupt
        self.answered += 1
        return "A is better [[A]]" if "2" in prompt else "[[B]]"


def test_resume_after_a_crash_makes_exactly_the_missing_calls(workdir, scripts):
    crash = _Crash(3)
    config = _pipeline_setup(workdir, scripts, crash)
    interrupted = run(config)  # Ctrl-C: the partial record comes back, marked as such
    assert interrupted.status == "interrupted" and interrupted.record.stop_reason == "interrupted (Ctrl-C)"
    assert crash.answered == 3
    store = workdir / ".jury" / "cache.sqlite"
    assert CallStore(store).count() == 4 + 3  # generations + the judgments answered before the crash
    healthy = _Crash(10**6)
    scripts["judge"].reply = healthy
    resumed = run(config)
    assert crash.answered + healthy.answered == 8  # 4 items x 2 orders: as one uninterrupted run
    assert len(scripts["cand"].calls) == 4  # generations were not repeated

    fresh_config = RunConfig(**{**config.__dict__, "store": workdir / "fresh-store"})
    uninterrupted = run(fresh_config)
    assert [v.outcome for v in resumed.votes] == [v.outcome for v in uninterrupted.votes]
    assert resumed.stats.win_rate == uninterrupted.stats.win_rate


def test_estimate_counts_calls_without_making_any(workdir, scripts):
    from jury.workflows.estimate import estimate

    _priced("judge", 0.00001)
    config = _pipeline_setup(workdir, scripts, lambda p: "[[A]]")
    before = estimate(config)
    assert (before.generation_calls, before.judge_calls, before.judge_exact) == (4, 8, False)
    assert before.worst_case_cost_usd > 8 * 512 * 0.00001  # at least max_tokens for each judge call
    assert before.unpriced_models == ("scripted/cand",)
    assert scripts["cand"].calls == [] and scripts["judge"].calls == []
    run(config)
    after = estimate(config)
    assert (after.generation_calls, after.generation_cached, after.judge_calls, after.judge_cached) == (0, 4, 0, 8)
    assert after.judge_exact and after.worst_case_cost_usd == 0.0


def test_a_judge_with_deployments_spreads_calls_over_them_through_a_router(tmp_path, scripts):
    scripts["replica-1"] = Scripted(reply=lambda p: "one")
    scripts["replica-2"] = Scripted(reply=lambda p: "two")
    client = _client(tmp_path)
    client.route("judge-pool", [{"model": "scripted/replica-1"}, {"model": "scripted/replica-2"}])
    replies = client.call_many([_req("judge-pool", f"q{i}") for i in range(40)])
    assert all(r.error is None for r in replies)
    assert {r.text for r in replies} == {"one", "two"}
    assert len(scripts["replica-1"].calls) + len(scripts["replica-2"].calls) == 40
    assert min(len(scripts["replica-1"].calls), len(scripts["replica-2"].calls)) >= 5


def test_panel_deployments_are_read_and_checked(tmp_path):
    from jury.panel.spec import load_panel

    path = write_panel(tmp_path, [{"name": "j", "model": "judge-pool", "strategy": "pairwise"}])
    text = path.read_text() + "    deployments:\n      - model: scripted/replica-1\n      - model: scripted/replica-2\n"
    path.write_text(text)
    judge = load_panel(str(path)).judges[0]
    assert [d.model for d in judge.deployments] == ["scripted/replica-1", "scripted/replica-2"]
    path.write_text(text + "        region: eu\n")
    with pytest.raises(JuryError, match=r"deployments\[1\]: unknown key 'region'"):
        load_panel(str(path))


def test_api_keys_never_reach_errors_or_the_store(tmp_path, scripts, monkeypatch):
    secret = "sk-test-" + "9" * 32
    monkeypatch.setenv("SCRIPTED_API_KEY", secret)
    scripts["leaky"] = Scripted(reply=_Flaky(99, RuntimeError(f"auth failed for key {secret}")))
    client = _client(tmp_path, CallPolicy(max_retries=0))
    reply = client.call(_req("scripted/leaky"))
    assert reply.error is not None and secret not in reply.error and "<SCRIPTED_API_KEY>" in reply.error
    scripts["leaky"].reply = lambda p: "fine"
    client.call(_req("scripted/leaky"))
    assert secret.encode() not in (tmp_path / "cache.sqlite").read_bytes()
