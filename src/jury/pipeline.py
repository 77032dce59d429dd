"""The run: task -> candidate outputs -> judged units -> judgments -> votes -> statistics -> report files.

Each step is a function of the previous step's records; the store makes every model
call at most once, so an interrupted run resumes by simply running again. A unit is a
single-turn item or one turn of a multi-turn item (jury.panel.units): each gets its own verdicts.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from jury.errors import JuryError
from jury.models.batch import answer_in_batches, warn_of_open_batches
from jury.models.client import ModelClient, ModelReply, ModelRequest, check_model
from jury.models.families import model_family
from jury.models.policy import CallPolicy
from jury.outputs_file import import_outputs
from jury.panel.aggregate import asked_judges, judge_votes, needs_escalation, panel_votes
from jury.panel.spec import JudgeSpec, PanelSpec, load_panel, without_family
from jury.panel.strategies import JudgeCall, judgments_for
from jury.panel.units import judged_units, unit_calls
from jury.paths import jury_home
from jury.records import JudgeVote, Judgment, Output, Unit, Usage, Vote
from jury.stats.bias import BiasReport, bias_report
from jury.stats.summary import RunStats, summarize
from jury.store import CallStore
from jury.tasks.loader import Task, load_task
from jury.tasks.turns import answers_of, baseline_answers, conversation, output_of, user_turns

# item_id -> the answer to every user turn (one for a single-turn item)
Answers = dict[str, tuple[str, ...]]

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
    # Imported candidate answers instead of generating them ("my fine-tune's outputs file").
    candidate_outputs: Path | None = None
    # Name to report for imported candidate outputs (default: the model the file names, or its stem).
    candidate_name: str | None = None
    # Items lacking an imported output are dropped (and counted) instead of failing the run.
    allow_partial: bool = False
    # jury field -> column name, for plain JSONL/CSV tasks and outputs files.
    columns: tuple[tuple[str, str], ...] = ()
    # Leave out judges of the candidate's own family (self-preference); they are listed in the report.
    exclude_same_family: bool = False


@dataclass(frozen=True)
class RunResult:
    run_id: str
    report_dir: Path
    config: RunConfig
    task: Task
    panel: PanelSpec
    baseline_name: str
    outputs: tuple[Output, ...]
    baseline: dict[str, str]  # item_id -> the baseline's answer (every turn's, labelled, for multi-turn items)
    # what was judged, in order: one unit per single-turn item and per turn of a multi-turn item
    units: tuple[Unit, ...]
    judgments: tuple[Judgment, ...]
    judge_votes: tuple[JudgeVote, ...]
    votes: tuple[Vote, ...]  # one per unit
    stats: RunStats
    usage: dict[str, Usage] = field(default_factory=dict)
    model_calls: int = 0
    cached_calls: int = 0
    # Items left out because an imported outputs file had no answer for them (--allow-partial).
    dropped_items: tuple[str, ...] = ()
    # Position, length and self-preference diagnostics of the judges on this run.
    bias: BiasReport | None = None
    # The baseline's answer to every turn of each multi-turn item (single-turn items are absent).
    baseline_turns: dict[str, tuple[str, ...]] = field(default_factory=dict)


def resolve_baseline(config: RunConfig, task: Task) -> tuple[str, Answers]:
    if config.baseline_outputs is not None:
        imported = import_outputs(
            config.baseline_outputs, task.items, columns=dict(config.columns), allow_partial=config.allow_partial
        )
        return config.baseline_name or config.baseline_outputs.stem, imported.turns
    missing = [i.item_id for i in task.items if i.baseline is None]
    if missing:
        raise JuryError(
            f"task '{task.name}' has no baseline answers (item '{missing[0]}')",
            where=str(task.path),
            fix="pass --baseline-outputs FILE",
        )
    return task.baseline_name or "baseline", {i.item_id: baseline_answers(i) for i in task.items}


def _stop_if_over_budget(client: ModelClient, step: str) -> None:
    if client.skipped_for_budget:
        budget = client.budget
        raise JuryError(
            f"stopped while {step}: {client.skipped_for_budget} call(s) not made because they could exceed "
            f"--max-cost ${budget.max_cost_usd:.4f} (spent ${budget.spent_usd:.4f} this run)",
            fix="everything finished is stored; raise --max-cost and run the same command to continue",
        )


def _total(usages: list[Usage]) -> Usage:
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        cost_usd=sum(u.cost_usd for u in usages),
        latency_s=sum(u.latency_s for u in usages),
        cached=all(u.cached for u in usages),
    )


def generate(client: ModelClient, model: str, task: Task, progress: ProgressSink) -> tuple[Output, ...]:
    """One round per turn: turn k's request carries the model's own answers to turns 1..k-1."""
    answers: dict[str, tuple[str, ...]] = {i.item_id: () for i in task.items}
    usages: dict[str, list[Usage]] = defaultdict(list)
    advance = progress.start(f"generating with {model}", sum(len(user_turns(i)) for i in task.items))
    for turn in range(max(len(user_turns(i)) for i in task.items)):
        batch = [i for i in task.items if turn < len(user_turns(i))]
        requests = [
            ModelRequest(model=model, messages=conversation(i, answers[i.item_id]), max_tokens=task.max_tokens)
            for i in batch
        ]
        replies = client.call_many(requests, on_done=lambda _i, _r: advance())
        _stop_if_over_budget(client, "generating")
        failed = [(item, r) for item, r in zip(batch, replies, strict=True) if r.error]
        if failed:
            item, reply = failed[0]
            raise JuryError(
                f"{len(failed)} generation(s) failed, first on item '{item.item_id}': {reply.error}",
                fix="the successful ones are stored; run the same command again to retry the rest",
            )
        for item, reply in zip(batch, replies, strict=True):
            answers[item.item_id] += (reply.text.strip(),)
            usages[item.item_id].append(reply.usage)
    return tuple(output_of(item, model, answers[item.item_id], _total(usages[item.item_id])) for item in task.items)


def panel_calls(
    panel: PanelSpec, units: tuple[Unit, ...], judges: Callable[[Unit], tuple[JudgeSpec, ...]] | None = None
) -> list[JudgeCall]:
    """Calls of the judges asked first on each unit (all of them in jury mode, see asked_judges)."""
    pick = judges or (lambda unit: asked_judges(panel, unit.unit_id))
    return [call for unit in units for judge_spec in pick(unit) for call in unit_calls(judge_spec, unit)]


def _judge_round(
    client: ModelClient, panel: PanelSpec, calls: list[JudgeCall], label: str, progress: ProgressSink
) -> tuple[Judgment, ...]:
    requests = [c.request for c in calls]
    if client.policy.batch:  # the replies land in the store, where call_many finds them
        answer_in_batches(client, requests, progress)
    else:
        warn_of_open_batches(client, requests)
    advance = progress.start(label, len(calls))
    replies = client.call_many(requests, on_done=lambda _i, _r: advance())
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


def judge(
    client: ModelClient, panel: PanelSpec, units: tuple[Unit, ...], progress: ProgressSink | None = None
) -> tuple[Judgment, ...]:
    """One round of calls; in escalate mode a second round asks the third judge where two disagreed."""
    progress = progress or _NoProgress()
    calls = panel_calls(panel, units)
    judgments = _judge_round(client, panel, calls, f"judging with panel '{panel.name}'", progress)
    if panel.mode != "escalate":
        return judgments
    first = defaultdict(list)
    for v in judge_votes(judgments):
        first[v.item_id].append(v)
    order = {j.name: k for k, j in enumerate(panel.judges)}
    split = tuple(u for u in units if needs_escalation(sorted(first[u.unit_id], key=lambda v: order[v.judge])))
    third = panel.judges[2]
    calls = panel_calls(panel, split, judges=lambda _unit: (third,))
    return judgments + _judge_round(client, panel, calls, f"escalating to {third.name}", progress)


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


def imported_candidate(path: Path, config: RunConfig, task: Task) -> tuple[str, Answers]:
    imported = import_outputs(path, task.items, columns=dict(config.columns), allow_partial=config.allow_partial)
    return config.candidate_name or imported.model or path.stem, imported.turns


def keep_answered(task: Task, *answered: Answers) -> tuple[Task, tuple[str, ...]]:
    """With --allow-partial, the items some imported file lacks are dropped here, and counted."""
    kept = tuple(i for i in task.items if all(i.item_id in a for a in answered))
    kept_ids = {i.item_id for i in kept}
    dropped = tuple(i.item_id for i in task.items if i.item_id not in kept_ids)
    if not kept:
        raise JuryError("no task item has an output in every imported file", where=str(task.path))
    return replace(task, items=kept), dropped


def check_run(config: RunConfig) -> tuple[Task, PanelSpec]:
    """Everything that can be checked before a model is loaded or a cent is spent."""
    task = load_task(config.task, limit=config.limit, columns=dict(config.columns))
    panel = load_panel(config.panel)
    if config.exclude_same_family and config.candidate_outputs is None:
        panel, _ = without_family(panel, model_family(config.candidate))
    if config.candidate_outputs is None:
        check_model(config.candidate)
    for judge_spec in panel.judges:
        if not judge_spec.deployments:
            check_model(judge_spec.model, api_base=judge_spec.api_base)
        for d in judge_spec.deployments:
            check_model(d.model, api_base=d.api_base, api_key_env=d.api_key_env)
    return task, panel


def derive_results(
    panel: PanelSpec,
    units: tuple[Unit, ...],
    judgments: tuple[Judgment, ...],
    config: RunConfig,
    excluded: tuple[str, ...] = (),
) -> tuple[tuple[JudgeVote, ...], tuple[Vote, ...], RunStats, BiasReport]:
    """Judgments -> votes -> statistics and bias: the one derivation, shared by `run` and by
    re-rendering a stored run, so a re-rendered report cannot drift from the original."""
    jvotes = tuple(judge_votes(judgments))
    votes = tuple(panel_votes(panel, jvotes, [u.unit_id for u in units]))
    stats = summarize(
        votes,
        jvotes,
        judgments,
        [j.name for j in panel.judges],
        seed=config.seed,
        items={u.unit_id: u.item.item_id for u in units},
        turns={u.unit_id: u.turn for u in units},
    )
    bias = bias_report(
        judgments,
        votes,
        # the judged answers: a multi-turn unit's answer to its own turn
        {u.unit_id: (len(u.candidate[-1]), len(u.baseline[-1])) for u in units},
        {j.name: j.family for j in panel.judges},
        model_family(config.candidate),
        excluded,
        items={u.unit_id: u.item.item_id for u in units},  # a conversation's turns: one cluster
    )
    return jvotes, votes, stats, bias


def run(config: RunConfig, progress: ProgressSink | None = None) -> RunResult:
    progress = progress or _NoProgress()
    task, panel = check_run(config)
    baseline_name, baseline = resolve_baseline(config, task)
    imported: Answers | None = None
    if config.candidate_outputs is not None:
        name, imported = imported_candidate(config.candidate_outputs, config, task)
        config = replace(config, candidate=name)  # reports name the imported model
    if config.exclude_same_family:  # an imported candidate's family is known only now
        panel, _ = without_family(panel, model_family(config.candidate))
    task, dropped = keep_answered(task, baseline, *([imported] if imported is not None else []))
    store = CallStore(jury_home(config.store) / "cache.sqlite")
    client = ModelClient(store, config.policy)
    for spec in panel.judges:
        if spec.deployments:
            client.route(spec.model, [d.__dict__ for d in spec.deployments])
    try:
        if imported is None:
            outputs = generate(client, config.candidate, task, progress)
        else:
            outputs = tuple(output_of(i, config.candidate, imported[i.item_id]) for i in task.items)
        units = judged_units(task.items, {o.item_id: answers_of(o) for o in outputs}, baseline)
        judgments = judge(client, panel, units, progress)
    finally:
        client.close()
        store.close()
    excluded = (
        without_family(load_panel(config.panel), model_family(config.candidate))[1]
        if config.exclude_same_family
        else ()
    )
    jvotes, votes, stats, bias = derive_results(panel, units, judgments, config, excluded)
    baseline_outputs = tuple(output_of(i, baseline_name, baseline[i.item_id]) for i in task.items)
    run_id = _run_id(config, task, panel)
    return RunResult(
        run_id=run_id,
        report_dir=config.reports_dir / run_id,
        config=config,
        task=task,
        panel=panel,
        baseline_name=baseline_name,
        outputs=outputs,
        baseline={o.item_id: o.text for o in baseline_outputs},
        baseline_turns={o.item_id: o.turns for o in baseline_outputs if o.turns},
        units=units,
        judgments=judgments,
        judge_votes=jvotes,
        votes=votes,
        stats=stats,
        usage=_usage_by_model(outputs, [(j.model, j.usage) for j in judgments]),
        model_calls=client.calls_made,
        cached_calls=client.cache_hits,
        dropped_items=dropped,
        bias=bias,
    )
