"""A run's result in memory: its record plus everything derived from the judgments.

`derive_result` is the one derivation (judgments -> votes -> statistics and bias), shared by a run
that just finished and by a run loaded from its log, so a re-rendered report cannot drift from the
original. Reports import this module, never the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jury.errors import JuryError
from jury.models.families import model_family
from jury.panel.aggregate import identical_vote, judge_votes, panel_votes
from jury.panel.spec import PanelSpec
from jury.panel.units import identical_answers, judged_units
from jury.records import Item, JudgeVote, Judgment, Output, Unit, Usage, Vote
from jury.results.record import STATUS_MEANS, RunRecord, RunSpec
from jury.stats.bias import BiasReport, bias_report
from jury.stats.summary import RunStats, summarize
from jury.turns import answers_of

if TYPE_CHECKING:
    from jury.results.human_anchor import HumanAnchor


@dataclass(frozen=True)
class RunResult:
    record: RunRecord
    report_dir: Path
    # what was judged, in order: one unit per single-turn item and per turn of a multi-turn item
    units: tuple[Unit, ...]
    judge_votes: tuple[JudgeVote, ...]
    votes: tuple[Vote, ...]  # one per unit
    stats: RunStats
    bias: BiasReport
    # units planned but never judged because the run stopped early (0 for a complete run)
    units_not_judged: int = 0
    # the human-anchored win rate and agreement with humans, when the run folder holds human labels
    human: HumanAnchor | None = None

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def spec(self) -> RunSpec:
        return self.record.spec

    @property
    def panel(self) -> PanelSpec:
        return self.record.spec.panel

    @property
    def candidate(self) -> str:
        return self.record.spec.candidate

    @property
    def baseline_name(self) -> str:
        return self.record.spec.baseline

    @property
    def items(self) -> tuple[Item, ...]:
        return self.record.items

    @property
    def outputs(self) -> tuple[Output, ...]:
        return self.record.outputs

    @property
    def judgments(self) -> tuple[Judgment, ...]:
        return self.record.judgments

    @property
    def usage(self) -> dict[str, Usage]:
        return self.record.usage

    @property
    def baseline(self) -> dict[str, str]:
        """item_id -> the baseline's answer (every turn's, labelled, for multi-turn items)."""
        return {o.item_id: o.text for o in self.record.baseline}

    @property
    def dropped_items(self) -> tuple[str, ...]:
        return self.record.spec.dropped_items

    @property
    def model_calls(self) -> int:
        return self.record.model_calls

    @property
    def cached_calls(self) -> int:
        return self.record.cached_calls

    @property
    def identical(self) -> int:
        """Units whose two answers were the same text: ties given without a judge call."""
        return sum(v.identical for v in self.votes)

    @property
    def empty_answers(self) -> tuple[int, int]:
        """(candidate's, baseline's) empty answers among the judged units: judges saw them as they are."""
        return (
            sum(not u.candidate[-1].strip() for u in self.units),
            sum(not u.baseline[-1].strip() for u in self.units),
        )

    def partial_note(self) -> str | None:
        """One sentence for reports when the run stopped before judging everything; None when complete."""
        if self.record.status == "complete":
            return None
        why = self.record.stop_reason or STATUS_MEANS[self.record.status]
        return (
            f"partial run ({self.record.status}): {why}; {len(self.units)} of "
            f"{len(self.units) + self.units_not_judged} units judged, and the figures cover only those"
        )


def planned_units(record: RunRecord) -> tuple[Unit, ...]:
    """Every unit the run meant to judge: the items both sides answered, turn by turn."""
    candidate = {o.item_id: answers_of(o) for o in record.outputs}
    baseline = {o.item_id: answers_of(o) for o in record.baseline}
    answered = tuple(i for i in record.items if i.item_id in candidate and i.item_id in baseline)
    return judged_units(answered, candidate, baseline)


def derive_result(record: RunRecord, report_dir: Path) -> RunResult:
    """A stopped run is summarised over the units that got at least one judgment, and says how many did not.
    A unit whose two answers are identical is a tie that needed no judgment (a log written before that
    rule may hold judgments of such a unit: they stand, so its report reads as it did)."""
    spec = record.spec
    planned = planned_units(record)
    judged = {j.unit_id for j in record.judgments}
    ties = {u.unit_id for u in planned if identical_answers(u) and u.unit_id not in judged}
    units = planned
    if record.status != "complete":
        units = tuple(u for u in planned if u.unit_id in judged or u.unit_id in ties)
    jvotes = tuple(judge_votes(record.judgments))
    votes = tuple(
        identical_vote(spec.panel, v.unit_id) if v.unit_id in ties else v
        for v in panel_votes(spec.panel, jvotes, [u.unit_id for u in units])
    )
    stats = summarize(
        votes,
        jvotes,
        record.judgments,
        [j.name for j in spec.panel.judges],
        seed=spec.seed,
        items={u.unit_id: u.item.item_id for u in units},
        turns={u.unit_id: u.turn for u in units},
    )
    bias = bias_report(
        record.judgments,
        votes,
        # the judged answers: a multi-turn unit's answer to its own turn
        {u.unit_id: (len(u.candidate[-1]), len(u.baseline[-1])) for u in units},
        {j.name: j.family for j in spec.panel.judges},
        model_family(spec.candidate),
        spec.excluded_same_family,
        items={u.unit_id: u.item.item_id for u in units},  # a conversation's turns: one cluster
    )
    return RunResult(
        record=record,
        report_dir=report_dir,
        units=units,
        judge_votes=jvotes,
        votes=votes,
        stats=stats,
        bias=bias,
        units_not_judged=len(planned) - len(units),
    )


def _panel_identity(panel: PanelSpec) -> dict[str, object]:
    """What makes two panels give the same verdicts: their judges (model, strategy, prompt text, parser,
    weight, margins), mode and rules; not the panel's name, file path or notes."""
    judges = [
        (j.name, j.model, j.strategy, j.prompt, j.parser, j.weight, j.tie_margin, j.max_tokens) for j in panel.judges
    ]
    return {"judges": judges, "mode": panel.mode, "rule": panel.rule, "tie_rule": panel.tie_rule,
            "quorum": panel.quorum, "score tie margin": panel.score_tie_margin, "seed": panel.seed}  # fmt: skip


def comparability_problems(a: RunResult, b: RunResult) -> list[str]:
    """Why a paired comparison of A and B would not measure the candidate alone: each difference named."""
    problems = []
    if a.spec.task.name != b.spec.task.name:
        problems.append(f"different tasks ('{a.spec.task.name}' and '{b.spec.task.name}')")
    if a.baseline_name != b.baseline_name:
        problems.append(f"different baselines ('{a.baseline_name}' and '{b.baseline_name}')")
    base_a, base_b = a.baseline, b.baseline
    changed = sorted(k for k in base_a.keys() & base_b.keys() if base_a[k] != base_b[k])
    if changed:
        problems.append(f"different baseline answers on {len(changed)} shared item(s), e.g. '{changed[0]}'")
    pa, pb = _panel_identity(a.panel), _panel_identity(b.panel)
    for key in pa:
        if pa[key] != pb[key]:
            what = "judges (model, strategy, prompt, parser or weight)" if key == "judges" else f"panel {key}"
            problems.append(f"different {what}: '{a.panel.name}' vs '{b.panel.name}'")
    return problems


def check_comparable(a: RunResult, b: RunResult, *, allow_different_panels: bool = False) -> list[str]:
    """A paired comparison measures the candidate only when everything else is the same; the task must
    match, the rest may differ only when the user says so. Returns the differences that were allowed."""
    problems = comparability_problems(a, b)
    fatal = [p for p in problems if p.startswith("different tasks")]
    if fatal or (problems and not allow_different_panels):
        raise JuryError(
            f"the runs are not comparable: {'; '.join(problems)}",
            fix="compare runs of the same task, baseline and panel"
            + ("" if fatal else ", or pass --allow-different-panels to compare anyway"),
        )
    return problems
