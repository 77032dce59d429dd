"""What a run would do, and cost at worst, computed without any model call (`jury estimate`)."""

from __future__ import annotations

from dataclasses import dataclass

from jury.models.batch_format import batch_provider
from jury.models.budget import estimate_cost
from jury.models.request import ModelRequest
from jury.panel.units import identical_answers, judged_units
from jury.paths import jury_home
from jury.store import CallStore
from jury.turns import conversation, user_turns
from jury.workflows.judging import panel_calls
from jury.workflows.pipeline import RunConfig, plan_run


@dataclass(frozen=True)
class Estimate:
    """What a run would do, computed without any model call."""

    generation_calls: int
    generation_cached: int
    judge_calls: int
    judge_cached: int
    judge_exact: bool  # False: candidate outputs are not generated yet, baselines stand in for them
    worst_case_cost_usd: float  # prompt tokens + max_tokens for every call not in the store (--batch: batch prices)
    unpriced_models: tuple[str, ...]


def estimate(config: RunConfig) -> Estimate:
    plan = plan_run(config)
    task, panel, imported = plan.task, plan.panel, plan.imported
    store = CallStore(jury_home(config.store) / "cache.sqlite")
    try:
        # first turns only: later turns' requests depend on the answers to earlier ones
        generators = [config.candidate] if imported is None else []
        generators += [plan.baseline_model] if plan.baseline is None and plan.baseline_model else []
        gen = [
            ModelRequest(model=model, messages=conversation(i, ()), max_tokens=task.max_tokens)
            for model in generators
            for i in task.items
        ]
        stored = [store.get(r.key()) for r in gen]
        single_turn = all(len(user_turns(i)) == 1 for i in task.items)
        exact = not gen or (single_turn and all(s is not None for s in stored))
        answers = {(r.model, r.messages): s["text"].strip() for r, s in zip(gen, stored, strict=True) if s}
        # answers not made yet: the baseline's stand in (or the reference, the question) to size judge prompts
        stand_in = plan.baseline or {i.item_id: (i.reference or i.prompt,) * len(user_turns(i)) for i in task.items}

        def side(given: dict | None, model: str | None) -> dict:
            if given is not None:
                return given
            return {
                i.item_id: (answers[(model, conversation(i, ()))],)
                if exact and (model, conversation(i, ())) in answers
                else stand_in[i.item_id]
                for i in task.items
            }

        candidate = side(imported, config.candidate)
        baseline = side(plan.baseline, plan.baseline_model)
        # escalate mode: the worst case asks the third judge on every unit
        every = (lambda _unit: panel.judges) if panel.mode == "escalate" else None
        units = judged_units(task.items, candidate, baseline)
        if exact:  # real answers on both sides: identical ones are ties the run will not ask a judge about
            units = tuple(u for u in units if not identical_answers(u))
        judge_reqs = [c.request for c in panel_calls(panel, units, judges=every)]
        uncached = [r for r, s in zip(gen, stored, strict=True) if s is None]
        judge_uncached = [r for r in judge_reqs if store.get(r.key()) is None]
    finally:
        store.close()
    routed = {j.model for j in panel.judges if j.deployments}

    def batched(r: ModelRequest) -> bool:  # --batch: judge calls a provider batch takes are priced as such
        return config.policy.batch and r.model not in routed and batch_provider(r.model) is not None

    costs = {r.model: 0.0 for r in uncached + judge_uncached}
    unpriced: set[str] = set()
    for r, batch in [(r, False) for r in uncached] + [(r, batched(r)) for r in judge_uncached]:
        c = estimate_cost(r, batch)
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
