"""The run: task -> candidate outputs -> judgments -> votes -> statistics -> report files.

Each step is a function of the previous step's records; the store makes every model
call at most once, so an interrupted run resumes by simply running again.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from jury.errors import JuryError
from jury.models.budget import estimate_cost
from jury.models.client import ModelClient, ModelReply, ModelRequest, check_model
from jury.models.policy import CallPolicy
from jury.outputs_file import load_outputs
from jury.panel.aggregate import judge_votes, panel_votes
from jury.panel.spec import PanelSpec, load_panel
from jury.panel.strategies import JudgeCall, judge_calls, judgments_for
from jury.paths import jury_home
from jury.records import Item, JudgeVote, Judgment, Output, Usage, Vote
from jury.stats.summary import RunStats, summarize
from jury.store import CallStore
from jury.tasks.loader import Task, load_task

DEFAULT_CANDIDATE = "local/smollm2-135m-instruct"
DEFAULT_TASK = "jury_demo"
DEFAULT_PANEL = "local"


class ProgressSink(Protocol):
    def start(self, label: str, total: int) -> Callable[[], None]:
        """Begin a bar; the returned function advances it by one."""
        ...


class _NoProgress:
    def start(self, label: str, total: int) -> Callable[[], None]:
        return lambda: None


@dataclass(frozen=True)
class RunConfig:
    task: str = DEFAULT_TASK
    candidate: str = DEFAULT_CANDIDATE
    baseline_outputs: Path | None = None
    baseline_name: str | None = None
    panel: str = DEFAULT_PANEL
    limit: int | None = None
    seed: int = 0
    reports_dir: Path = Path("reports")
    store: Path | None = None
    policy: CallPolicy = field(default_factory=CallPolicy)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    report_dir: Path
    config: RunConfig
    task: Task
    panel: PanelSpec
    baseline_name: str
    outputs: tuple[Output, ...]
    baseline: dict[str, str]
    judgments: tuple[Judgment, ...]
    judge_votes: tuple[JudgeVote, ...]
    votes: tuple[Vote, ...]
    stats: RunStats
    usage: dict[str, Usage] = field(default_factory=dict)
    model_calls: int = 0
    cached_calls: int = 0


def _baseline(config: RunConfig, task: Task) -> tuple[str, dict[str, str]]:
    if config.baseline_outputs is not None:
        name = config.baseline_name or config.baseline_outputs.stem
        return name, load_outputs(config.baseline_outputs, task.items)
    missing = [i.item_id for i in task.items if i.baseline is None]
    if missing:
        raise JuryError(
            f"task '{task.name}' has no baseline answers (item '{missing[0]}')",
            where=str(task.path),
            fix="pass --baseline-outputs FILE",
        )
    return task.baseline_name or "baseline", {i.item_id: i.baseline or "" for i in task.items}


def _stop_if_over_budget(client: ModelClient, step: str) -> None:
    if client.skipped_for_budget:
        budget = client.budget
        raise JuryError(
            f"stopped while {step}: {client.skipped_for_budget} call(s) not made because they could exceed "
            f"--max-cost ${budget.max_cost_usd:.4f} (spent ${budget.spent_usd:.4f} this run)",
            fix="everything finished is stored; raise --max-cost and run the same command to continue",
        )


def generate(client: ModelClient, model: str, task: Task, progress: ProgressSink) -> tuple[Output, ...]:
    requests = [
        ModelRequest(model=model, messages=(("user", item.prompt),), max_tokens=task.max_tokens) for item in task.items
    ]
    advance = progress.start(f"generating with {model}", len(requests))
    replies = client.call_many(requests, on_done=lambda _i, _r: advance())
    _stop_if_over_budget(client, "generating")
    failed = [(item, r) for item, r in zip(task.items, replies, strict=True) if r.error]
    if failed:
        item, reply = failed[0]
        raise JuryError(
            f"{len(failed)} generation(s) failed, first on item '{item.item_id}': {reply.error}",
            fix="the successful ones are stored; run the same command again to retry the rest",
        )
    return tuple(
        Output(item.item_id, model, reply.text.strip(), reply.usage)
        for item, reply in zip(task.items, replies, strict=True)
    )


def judge(
    client: ModelClient,
    panel: PanelSpec,
    items: tuple[Item, ...],
    candidate: dict[str, str],
    baseline: dict[str, str],
    progress: ProgressSink,
) -> tuple[Judgment, ...]:
    calls: list[JudgeCall] = [
        call
        for judge_spec in panel.judges
        for item in items
        for call in judge_calls(judge_spec, item, candidate[item.item_id], baseline[item.item_id])
    ]
    advance = progress.start(f"judging with panel '{panel.name}'", len(calls))
    replies = client.call_many([c.request for c in calls], on_done=lambda _i, _r: advance())
    _stop_if_over_budget(client, "judging")
    grouped: dict[tuple[str, str], dict[str, ModelReply]] = defaultdict(dict)
    for call, reply in zip(calls, replies, strict=True):
        grouped[(call.judge, call.item_id)][call.role] = reply
    specs = {j.name: j for j in panel.judges}
    return tuple(
        judgment
        for (judge_name, item_id), by_role in grouped.items()
        for judgment in judgments_for(specs[judge_name], item_id, by_role)
    )


def _run_id(config: RunConfig, task: Task, panel: PanelSpec) -> str:
    digest = hashlib.sha256(
        json.dumps(
            [config.candidate, str(config.baseline_outputs), panel.name, task.name, config.limit, config.seed]
        ).encode()
    ).hexdigest()[:6]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_id = f"{stamp}-{task.name}-{digest}"
    suffix = 1
    while (config.reports_dir / run_id).exists():  # never overwrite an earlier report
        suffix += 1
        run_id = f"{stamp}-{task.name}-{digest}-{suffix}"
    return run_id


def _usage_by_model(outputs: tuple[Output, ...], replies_usage: list[tuple[str, Usage]]) -> dict[str, Usage]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for model, usage in [(o.model, o.usage) for o in outputs] + replies_usage:
        t = totals[model]
        t[0] += usage.prompt_tokens
        t[1] += usage.completion_tokens
        t[2] += usage.cost_usd
        t[3] += usage.latency_s
    return {m: Usage(int(t[0]), int(t[1]), t[2], t[3]) for m, t in totals.items()}


def check_run(config: RunConfig) -> tuple[Task, PanelSpec]:
    """Everything that can be checked before a model is loaded or a cent is spent."""
    task = load_task(config.task, limit=config.limit)
    panel = load_panel(config.panel)
    check_model(config.candidate)
    for judge_spec in panel.judges:
        check_model(judge_spec.model)
    return task, panel


@dataclass(frozen=True)
class Estimate:
    """What a run would do, computed without any model call."""

    generation_calls: int
    generation_cached: int
    judge_calls: int
    judge_cached: int
    judge_exact: bool  # False: candidate outputs are not generated yet, baselines stand in for them
    worst_case_cost_usd: float  # prompt tokens + max_tokens for every call not in the store
    unpriced_models: tuple[str, ...]


def _generation_requests(model: str, task: Task) -> list[ModelRequest]:
    return [ModelRequest(model=model, messages=(("user", i.prompt),), max_tokens=task.max_tokens) for i in task.items]


def estimate(config: RunConfig) -> Estimate:
    task, panel = check_run(config)
    _, baseline = _baseline(config, task)
    store = CallStore(jury_home(config.store) / "cache.sqlite")
    try:
        gen = _generation_requests(config.candidate, task)
        stored = [store.get(r.key()) for r in gen]
        exact = all(s is not None for s in stored)
        candidate = {
            item.item_id: (s["text"].strip() if exact and s else baseline[item.item_id])
            for item, s in zip(task.items, stored, strict=True)
        }
        judge_reqs = [
            call.request
            for spec in panel.judges
            for item in task.items
            for call in judge_calls(spec, item, candidate[item.item_id], baseline[item.item_id])
        ]
        uncached = [r for r, s in zip(gen, stored, strict=True) if s is None]
        judge_uncached = [r for r in judge_reqs if store.get(r.key()) is None]
    finally:
        store.close()
    costs = {r.model: 0.0 for r in uncached + judge_uncached}
    unpriced: set[str] = set()
    for r in uncached + judge_uncached:
        c = estimate_cost(r)
        if c is None:
            unpriced.add(r.model)
        else:
            costs[r.model] += c
    return Estimate(
        generation_calls=len(uncached),
        generation_cached=len(gen) - len(uncached),
        judge_calls=len(judge_uncached),
        judge_cached=len(judge_reqs) - len(judge_uncached),
        judge_exact=exact,
        worst_case_cost_usd=sum(costs.values()),
        unpriced_models=tuple(sorted(unpriced)),
    )


def run(config: RunConfig, progress: ProgressSink | None = None) -> RunResult:
    progress = progress or _NoProgress()
    task, panel = check_run(config)
    baseline_name, baseline = _baseline(config, task)
    store = CallStore(jury_home(config.store) / "cache.sqlite")
    client = ModelClient(store, config.policy)
    try:
        outputs = generate(client, config.candidate, task, progress)
        candidate = {o.item_id: o.text for o in outputs}
        judgments = judge(client, panel, task.items, candidate, baseline, progress)
    finally:
        client.close()
        store.close()
    jvotes = tuple(judge_votes(judgments))
    votes = tuple(panel_votes(panel, jvotes, [i.item_id for i in task.items]))
    stats = summarize(votes, jvotes, judgments, [j.name for j in panel.judges], seed=config.seed)
    run_id = _run_id(config, task, panel)
    return RunResult(
        run_id=run_id,
        report_dir=config.reports_dir / run_id,
        config=config,
        task=task,
        panel=panel,
        baseline_name=baseline_name,
        outputs=outputs,
        baseline=baseline,
        judgments=judgments,
        judge_votes=jvotes,
        votes=votes,
        stats=stats,
        usage=_usage_by_model(outputs, [(j.model, j.usage) for j in judgments]),
        model_calls=client.calls_made,
        cached_calls=client.cache_hits,
    )
