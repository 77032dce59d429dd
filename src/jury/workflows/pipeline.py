"""The run: task -> candidate outputs -> judged units -> judgments -> the run record -> its result.

Each step is a function of the previous step's records; the store makes every model call at most
once, so an interrupted run resumes by simply running again. A run stopped by --max-cost or Ctrl-C
still ends in a record: what the store holds is read back (no call is made) into a partial record
with its status, so the report can show what was judged and say that it is partial.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from jury import __version__
from jury.errors import JuryError
from jury.io.human_labels import RunIdentity
from jury.io.outputs import import_outputs
from jury.labels.importing import check_export
from jury.models.client import ModelClient, check_model
from jury.models.families import model_family
from jury.models.policy import CallPolicy
from jury.models.redaction import redact
from jury.panel.spec import PanelSpec, load_panel, without_family
from jury.panel.units import identical_answers, judged_units, unit_id
from jury.paths import jury_home
from jury.records import Judgment, Output, Usage
from jury.results.record import RunRecord, RunSpec, RunStatus, TaskInfo
from jury.results.run_result import RunResult, derive_result
from jury.store import CallStore
from jury.tasks.from_outputs import task_from_outputs
from jury.tasks.loader import Task, load_task
from jury.turns import answers_of, baseline_answers, output_of, user_turns
from jury.workflows.judging import NoProgress, ProgressSink, RunStopped, generate, judge

# item_id -> the answer to every user turn (one for a single-turn item)
Answers = dict[str, tuple[str, ...]]

DEFAULT_CANDIDATE = "local/smollm2-135m-instruct"
DEFAULT_TASK = "jury_demo"
DEFAULT_PANEL = "local"


@dataclass(frozen=True)
class RunConfig:
    # None: the instructions the imported outputs files carry, else the built-in demo task
    task: str | None = None
    candidate: str = DEFAULT_CANDIDATE
    baseline_outputs: Path | None = None
    baseline_name: str | None = None
    # a litellm model that answers as the baseline (generated, cached and resumed like the candidate)
    baseline_model: str | None = None
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
    # An annotation tool's export of human labels on the task's items: checked before any call is made
    # (the CLI adds it to the finished run's folder)
    human_labels: Path | None = None


@dataclass(frozen=True)
class RunPlan:
    """Everything checked and loaded before a model is called: what will be judged, by whom."""

    task: Task  # its items are the ones every side answers (after --allow-partial drops)
    panel: PanelSpec
    candidate: str  # the name reported: the litellm model, or the imported file's model
    baseline_name: str
    baseline: Answers | None  # None when the baseline model generates them (baseline_model)
    imported: Answers | None  # the candidate's imported answers; None when they are generated
    dropped: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # judges left out for being of the candidate's family
    baseline_model: str | None = None


def resolve_baseline(config: RunConfig, task: Task) -> tuple[str, Answers | None]:
    """(name, answers): an outputs file, a model that will answer (answers None), or the task's own."""
    if config.baseline_outputs is not None:
        imported = import_outputs(
            config.baseline_outputs,
            task.items,
            columns=dict(config.columns),
            allow_partial=config.allow_partial,
            left_out=task.left_out,
        )
        return config.baseline_name or config.baseline_outputs.stem, imported.turns
    if config.baseline_model is not None:
        return config.baseline_name or config.baseline_model, None
    missing = [i.item_id for i in task.items if i.baseline is None]
    if missing:
        raise JuryError(
            f"task '{task.name}' has no baseline answers (item '{missing[0]}')",
            where=str(task.path),
            fix="pass --baseline MODEL to generate them, or --baseline-outputs FILE",
        )
    return task.baseline_name or "baseline", {i.item_id: baseline_answers(i) for i in task.items}


def imported_candidate(path: Path, config: RunConfig, task: Task) -> tuple[str, Answers]:
    imported = import_outputs(
        path, task.items, columns=dict(config.columns), allow_partial=config.allow_partial, left_out=task.left_out
    )
    return config.candidate_name or imported.model or path.stem, imported.turns


def keep_answered(task: Task, *answered: Answers) -> tuple[Task, tuple[str, ...]]:
    """With --allow-partial, the items some imported file lacks are dropped here, and counted."""
    kept = tuple(i for i in task.items if all(i.item_id in a for a in answered))
    kept_ids = {i.item_id for i in kept}
    dropped = tuple(i.item_id for i in task.items if i.item_id not in kept_ids)
    if not kept:
        raise JuryError("no task item has an output in every imported file", where=str(task.path))
    return replace(task, items=kept), dropped


def load_run_task(config: RunConfig) -> Task:
    """--task when given; else the instructions the imported outputs carry; else the demo task. Files of
    outputs never fall back to the demo: their answers would be matched against the wrong questions."""
    if config.task is not None:
        return load_task(config.task, limit=config.limit, columns=dict(config.columns))
    files = [p for p in (config.candidate_outputs, config.baseline_outputs) if p is not None]
    if files:
        return task_from_outputs(files, dict(config.columns), config.limit)
    return load_task(DEFAULT_TASK, limit=config.limit, columns=dict(config.columns))


def check_run(config: RunConfig) -> tuple[Task, PanelSpec]:
    """Everything that can be checked before a model is loaded or a cent is spent."""
    if config.baseline_model is not None and config.baseline_outputs is not None:
        raise JuryError("--baseline and --baseline-outputs both name the baseline", fix="give one of them")
    task = load_run_task(config)
    panel = load_panel(config.panel)
    if config.exclude_same_family and config.candidate_outputs is None:
        panel, _ = without_family(panel, model_family(config.candidate))
    if config.candidate_outputs is None:
        check_model(config.candidate)
    if config.baseline_model is not None:
        check_model(config.baseline_model)
    for judge_spec in panel.judges:
        if not judge_spec.deployments:
            check_model(judge_spec.model, api_base=judge_spec.api_base)
        for d in judge_spec.deployments:
            check_model(d.model, api_base=d.api_base, api_key_env=d.api_key_env)
    return task, panel


def plan_run(config: RunConfig) -> RunPlan:
    task, panel = check_run(config)
    baseline_name, baseline = resolve_baseline(config, task)
    candidate, imported = config.candidate, None
    if config.candidate_outputs is not None:
        candidate, imported = imported_candidate(config.candidate_outputs, config, task)
    excluded: tuple[str, ...] = ()
    if config.exclude_same_family:  # an imported candidate's family is known only now
        panel, _ = without_family(panel, model_family(candidate))
        excluded = without_family(load_panel(config.panel), model_family(candidate))[1]
    if config.human_labels is not None:
        check_export(config.human_labels, planned_identity(task))
    answered = [a for a in (baseline, imported) if a is not None]
    task, dropped = keep_answered(task, *answered) if answered else (task, ())
    return RunPlan(task, panel, candidate, baseline_name, baseline, imported, dropped, excluded, config.baseline_model)


def _run_id(config: RunConfig, plan: RunPlan) -> str:
    digest = hashlib.sha256(
        json.dumps(
            [config.candidate, str(config.baseline_outputs), plan.panel.name, plan.task.name, config.limit, config.seed]
            + ([config.baseline_model] if config.baseline_model else [])
        ).encode()
    ).hexdigest()[:6]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_id = f"{stamp}-{plan.task.name}-{digest}"
    suffix = 1
    while (config.reports_dir / run_id).exists():  # never overwrite an earlier report
        suffix += 1
        run_id = f"{stamp}-{plan.task.name}-{digest}-{suffix}"
    return run_id


def _usage_by_model(outputs: tuple[Output, ...], judgments: tuple[Judgment, ...]) -> dict[str, Usage]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for model, usage in [(o.model, o.usage) for o in outputs] + [(j.model, j.usage) for j in judgments]:
        t = totals[model]
        t[0] += usage.prompt_tokens
        t[1] += usage.completion_tokens
        t[2] += usage.cost_usd
        t[3] += usage.latency_s
    return {m: Usage(int(t[0]), int(t[1]), t[2], t[3]) for m, t in totals.items()}


def _client(store: CallStore, config: RunConfig, panel: PanelSpec) -> ModelClient:
    client = ModelClient(store, config.policy)
    for spec in panel.judges:
        if spec.deployments:
            client.route(spec.model, [d.__dict__ for d in spec.deployments])
    return client


def _answer_and_judge(
    client: ModelClient, plan: RunPlan, progress: ProgressSink, *, partial: bool
) -> tuple[tuple[Output, ...], tuple[Output, ...], tuple[Judgment, ...]]:
    """(candidate outputs, baseline outputs, judgments); either side may be generated."""
    items = plan.task.items
    max_tokens = plan.task.max_tokens
    if plan.imported is None:
        outputs = generate(client, plan.candidate, items, max_tokens, progress, partial=partial)
    else:
        outputs = tuple(output_of(i, plan.candidate, plan.imported[i.item_id]) for i in items)
    if plan.baseline is None:
        assert plan.baseline_model is not None
        generated = generate(client, plan.baseline_model, items, max_tokens, progress, partial=partial)
        baseline = tuple(replace(o, model=plan.baseline_name) for o in generated)
    else:
        baseline = tuple(output_of(i, plan.baseline_name, plan.baseline[i.item_id]) for i in items)
    answered = {o.item_id for o in outputs} & {o.item_id for o in baseline}
    units = judged_units(
        tuple(i for i in items if i.item_id in answered),
        {o.item_id: answers_of(o) for o in outputs},
        {o.item_id: answers_of(o) for o in baseline},
    )
    asked = tuple(u for u in units if not identical_answers(u))  # identical answers: a tie, no call
    return outputs, baseline, judge(client, plan.panel, asked, progress, partial=partial)


def run_spec(config: RunConfig, plan: RunPlan) -> RunSpec:
    task = plan.task
    panel = replace(  # an api_base URL may carry credentials
        plan.panel,
        judges=tuple(replace(j, api_base=redact(j.api_base) if j.api_base else None) for j in plan.panel.judges),
    )
    return RunSpec(
        task=TaskInfo(task.name, str(task.path), task.format, task.max_tokens, task.description, task.baseline_name),
        candidate=plan.candidate,
        baseline=plan.baseline_name,
        panel=panel,
        seed=config.seed,
        limit=config.limit,
        candidate_outputs=str(config.candidate_outputs) if config.candidate_outputs else None,
        baseline_outputs=str(config.baseline_outputs) if config.baseline_outputs else None,
        baseline_model=config.baseline_model,
        allow_partial=config.allow_partial,
        dropped_items=plan.dropped,
        excluded_same_family=plan.excluded,
    )


def run(config: RunConfig, progress: ProgressSink | None = None) -> RunResult:
    """Generate (unless imported), judge, and return the result of the run's record; a run stopped by
    --max-cost or Ctrl-C returns its partial record (status and stop_reason say so) instead of raising."""
    progress = progress or NoProgress()
    plan = plan_run(config)
    store = CallStore(jury_home(config.store) / "cache.sqlite")
    status: RunStatus = "complete"
    stop_reason: str | None = None
    client = _client(store, config, plan.panel)
    try:
        try:
            outputs, baseline, judgments = _answer_and_judge(client, plan, progress, partial=False)
        except KeyboardInterrupt:
            status, stop_reason = "interrupted", "interrupted (Ctrl-C)"
        except RunStopped as stop:
            status, stop_reason = "stopped_budget", stop.reason
        finally:
            client.close()
        if status != "complete":  # rebuild what was finished from the store, calling nothing
            replay = _client(store, config, plan.panel)
            replay.store_only = True
            try:
                outputs, baseline, judgments = _answer_and_judge(replay, plan, NoProgress(), partial=True)
            finally:
                replay.close()
    finally:
        store.close()
    run_id = _run_id(config, plan)
    record = RunRecord(
        run_id=run_id,
        status=status,
        stop_reason=stop_reason,
        spec=run_spec(config, plan),
        items=plan.task.items,
        outputs=outputs,
        baseline=baseline,
        judgments=judgments,
        usage=_usage_by_model(outputs + baseline, judgments),
        model_calls=client.calls_made,
        cached_calls=client.cache_hits,
        created_at=datetime.now(UTC).isoformat(),
        jury_version=__version__,
    )
    return derive_result(record, config.reports_dir / run_id)


def planned_identity(task: Task) -> RunIdentity:
    """The units a run of `task` will judge, known before any answer exists (an export names units only)."""
    units = {unit_id(i, t): (i.item_id, t) for i in task.items for t in range(1, len(user_turns(i)) + 1)}
    return RunIdentity(run_id="(this run)", items_sha256="", units=units)
