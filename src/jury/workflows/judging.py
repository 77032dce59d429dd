"""The two steps that call models in a run: generating the candidate's answers and judging units.

Both take a ModelClient (every reply is stored the moment it arrives) and report progress through a
ProgressSink. With `partial=True` they keep only what is complete instead of failing, which is how
a stopped run's record is rebuilt from the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from jury.errors import JuryError
from jury.models.batch import answer_in_batches, warn_of_open_batches
from jury.models.client import ModelClient
from jury.models.request import ModelReply, ModelRequest
from jury.panel.aggregate import asked_judges, judge_votes, needs_escalation
from jury.panel.spec import JudgeSpec, PanelSpec
from jury.panel.strategies import JudgeCall, judgments_for
from jury.panel.units import unit_calls
from jury.records import Item, Judgment, Output, Unit, Usage
from jury.turns import conversation, output_of, user_turns


class ProgressSink(Protocol):
    def start(self, label: str, total: int) -> Callable[[], None]:
        """Begin a bar; the returned function advances it by one."""
        ...


class NoProgress:
    def start(self, label: str, total: int) -> Callable[[], None]:
        return lambda: None


class RunStopped(Exception):
    """--max-cost stopped the run: calls were left unmade rather than risk the budget."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_budget(client: ModelClient, step: str) -> None:
    if client.skipped_for_budget:
        budget = client.budget
        raise RunStopped(
            f"stopped while {step}: {client.skipped_for_budget} call(s) not made because they could exceed "
            f"--max-cost ${budget.max_cost_usd:.4f} (spent ${budget.spent_usd:.4f} this run)"
        )


def _total(usages: list[Usage]) -> Usage:
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        cost_usd=sum(u.cost_usd for u in usages),
        latency_s=sum(u.latency_s for u in usages),
        cached=all(u.cached for u in usages),
    )


def generate(
    client: ModelClient,
    model: str,
    items: tuple[Item, ...],
    max_tokens: int,
    progress: ProgressSink,
    *,
    partial: bool = False,
) -> tuple[Output, ...]:
    """One round per turn: turn k's request carries the model's own answers to turns 1..k-1.
    `partial`: items with a failed or unmade turn are left out instead of failing the run."""
    answers: dict[str, tuple[str, ...]] = {i.item_id: () for i in items}
    usages: dict[str, list[Usage]] = defaultdict(list)
    advance = progress.start(f"generating with {model}", sum(len(user_turns(i)) for i in items))
    pending = list(items)
    for turn in range(max(len(user_turns(i)) for i in items)):
        batch = [i for i in pending if turn < len(user_turns(i))]
        requests = [
            ModelRequest(model=model, messages=conversation(i, answers[i.item_id]), max_tokens=max_tokens)
            for i in batch
        ]
        replies = client.call_many(requests, on_done=lambda _i, _r: advance())
        failed = [(item, r) for item, r in zip(batch, replies, strict=True) if r.error]
        if not partial:
            _check_budget(client, "generating")
            if failed:
                item, reply = failed[0]
                raise JuryError(
                    f"{len(failed)} generation(s) failed, first on item '{item.item_id}': {reply.error}",
                    fix="the successful ones are stored; run the same command again to retry the rest",
                )
        lost = {item.item_id for item, _ in failed}
        pending = [i for i in pending if i.item_id not in lost]
        for item, reply in zip(batch, replies, strict=True):
            if item.item_id not in lost:
                answers[item.item_id] += (reply.text.strip(),)
                usages[item.item_id].append(reply.usage)
    return tuple(output_of(i, model, answers[i.item_id], _total(usages[i.item_id])) for i in pending)


def panel_calls(
    panel: PanelSpec, units: tuple[Unit, ...], judges: Callable[[Unit], tuple[JudgeSpec, ...]] | None = None
) -> list[JudgeCall]:
    """Calls of the judges asked first on each unit (all of them in jury mode, see asked_judges)."""
    pick = judges or (lambda unit: asked_judges(panel, unit.unit_id))
    return [call for unit in units for judge_spec in pick(unit) for call in unit_calls(judge_spec, unit)]


def _judge_round(
    client: ModelClient,
    panel: PanelSpec,
    calls: list[JudgeCall],
    label: str,
    progress: ProgressSink,
    partial: bool,
) -> tuple[Judgment, ...]:
    requests = [c.request for c in calls]
    if client.policy.batch and not partial:  # the replies land in the store, where call_many finds them
        answer_in_batches(client, requests, progress)
    elif not partial:
        warn_of_open_batches(client, requests)
    advance = progress.start(label, len(calls))
    replies = client.call_many(requests, on_done=lambda _i, _r: advance())
    if not partial:
        _check_budget(client, "judging")
    grouped: dict[tuple[str, str], dict[str, ModelReply]] = defaultdict(dict)
    for call, reply in zip(calls, replies, strict=True):
        grouped[(call.judge, call.unit_id)][call.role] = reply
    specs = {j.name: j for j in panel.judges}
    return tuple(
        judgment
        for (judge_name, unit_id), by_role in grouped.items()
        if not any(r.not_made for r in by_role.values())  # partial: a judgment needs every one of its calls
        for judgment in judgments_for(specs[judge_name], unit_id, by_role)
    )


def judge(
    client: ModelClient,
    panel: PanelSpec,
    units: tuple[Unit, ...],
    progress: ProgressSink | None = None,
    *,
    partial: bool = False,
) -> tuple[Judgment, ...]:
    """One round of calls; in escalate mode a second round asks the third judge where two disagreed."""
    progress = progress or NoProgress()
    calls = panel_calls(panel, units)
    judgments = _judge_round(client, panel, calls, f"judging with panel '{panel.name}'", progress, partial)
    if panel.mode != "escalate":
        return judgments
    first = defaultdict(list)
    for v in judge_votes(judgments):
        first[v.unit_id].append(v)
    order = {j.name: k for k, j in enumerate(panel.judges)}
    split = tuple(u for u in units if needs_escalation(sorted(first[u.unit_id], key=lambda v: order[v.judge])))
    third = panel.judges[2]
    calls = panel_calls(panel, split, judges=lambda _unit: (third,))
    return judgments + _judge_round(client, panel, calls, f"escalating to {third.name}", progress, partial)
