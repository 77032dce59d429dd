"""The human-anchored win rate of a run: the humans' labels on a sample of its units, combined with the
panel's verdict on every unit (PPI++, jury.stats.ppi), and how far each judge and the panel agree with
those humans, so every run says whether its panel can be trusted on its own items.

The sample's design comes from the labels themselves. Labels given through `jury label` record their
place in a stratified plan (jury.labels.plan); the plan with the most labelled units is the sample, and
its inclusion probabilities come from where the labellers stopped (stats.label_sampling.labelled_sample).
Labels imported from an annotation tool carry no plan: they are treated as a simple random sample of
the run's units (inclusion n/N), and the report says so, since a hand-picked subset breaks that
assumption. Several labellers of one unit are averaged; labels outside the sample still count for
agreement, never for the estimate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from jury.io.human_labels import PLANNED, HumanLabel, HumanLabels
from jury.labels.agreement import LabellerAgreement, labeller_agreement
from jury.records import Preference, Vote
from jury.results.run_result import RunResult
from jury.stats.kappa import Kappa, cohen_kappa_labels
from jury.stats.label_sampling import PlannedLabel, labelled_sample
from jury.stats.ppi import HumanAnchoredWinRate, human_anchored_win_rate

PANEL = "panel"


@dataclass(frozen=True)
class HumanAgreement:
    """One judge (or the panel) against the humans' majority on the labelled units it gave a verdict on."""

    rater: str
    kappa: Kappa
    agreement: float  # share of those units with the same verdict
    n: int


@dataclass(frozen=True)
class HumanAnchor:
    estimate: HumanAnchoredWinRate | None  # None when the labels cannot support one (`reason` says why)
    design: str  # how the labelled units were sampled, in words
    n_labels: int  # labels after undo and supersede, every labeller and plan
    n_units_labelled: int  # distinct units with a label
    n_in_sample: int  # units the estimate uses
    set_aside: int  # sampled units labelled after a gap in their stratum's order: not used
    labellers: tuple[str, ...]
    agreement: tuple[HumanAgreement, ...]  # each judge, then the panel
    labeller_agreement: LabellerAgreement | None  # two or more labellers
    reason: str = ""


def panel_prediction(vote: Vote) -> float:
    """The panel's prediction of the human score: its pooled score when the rule gives one (a probability
    says more than a verdict), else the verdict's score; an abstention predicts a tie."""
    if vote.score is not None:
        return vote.score
    return vote.outcome.score if vote.outcome is not None else Preference.TIE.score


def human_winner(score: float) -> Preference:
    """The labellers' majority on a unit, from their mean score."""
    if score > Preference.TIE.score:
        return Preference.CANDIDATE
    return Preference.BASELINE if score < Preference.TIE.score else Preference.TIE


def _mean_scores(labels: tuple[HumanLabel, ...]) -> dict[str, float]:
    scores: dict[str, list[float]] = defaultdict(list)
    for x in labels:
        scores[x.unit_id].append(x.score)
    return {u: sum(s) / len(s) for u, s in scores.items()}


def _design(
    labels: tuple[HumanLabel, ...], index: dict[str, int], n_units: int
) -> tuple[list[int], list[float], list[int] | None, int, str]:
    """(sampled unit indices, their inclusion probabilities, strata or None, set aside, the design in words)."""
    plans: dict[tuple[str, int | None], dict[int, PlannedLabel]] = defaultdict(dict)
    for x in labels:
        if x.strategy in PLANNED and x.stratum is not None:
            plans[(x.strategy, x.seed)][index[x.unit_id]] = PlannedLabel(
                x.draw or 0, index[x.unit_id], x.stratum, x.stratum_size or 0, x.stratum_position or 0
            )
    if plans:
        (strategy, seed), rows = max(plans.items(), key=lambda kv: len(kv[1]))
        sample = labelled_sample(list(rows.values()))
        others = f"; labels of {len(plans) - 1} other plan(s) count for agreement only" if len(plans) > 1 else ""
        design = f"jury label --strategy {strategy} --seed {seed} (stratified, {len(set(sample.strata))} strata)"
        return list(sample.units), list(sample.inclusion), list(sample.strata), sample.set_aside, design + others
    units = sorted({index[x.unit_id] for x in labels})
    design = "imported labels, treated as a simple random sample of the run's units"
    return units, [len(units) / n_units] * len(units), None, 0, design


def _agreement(result: RunResult, humans: dict[str, float], seed: int) -> tuple[HumanAgreement, ...]:
    item_of = {u.unit_id: u.item.item_id for u in result.units}
    raters: dict[str, dict[str, Preference | None]] = {j.name: {} for j in result.panel.judges}
    for v in result.judge_votes:
        if v.unit_id in humans and v.judge in raters:
            raters[v.judge][v.unit_id] = v.preference
    raters[PANEL] = {v.unit_id: v.outcome for v in result.votes if v.unit_id in humans}
    out = []
    for name, verdicts in raters.items():
        units = [u for u in humans if verdicts.get(u) is not None]
        mine = [verdicts[u].value for u in units]  # type: ignore[union-attr]
        theirs = [human_winner(humans[u]).value for u in units]
        kappa = cohen_kappa_labels(mine, theirs, seed=seed, clusters=[item_of[u] for u in units])
        same = sum(a == b for a, b in zip(mine, theirs, strict=True))
        out.append(HumanAgreement(name, kappa, same / len(units) if units else float("nan"), len(units)))
    return tuple(out)


def human_anchor(result: RunResult, labels: HumanLabels, *, confidence: float = 0.95) -> HumanAnchor | None:
    """None when nobody labelled this run's units."""
    if not labels.labels:
        return None
    units = result.units
    index = {u.unit_id: k for k, u in enumerate(units)}
    kept = tuple(x for x in labels.labels if x.unit_id in index)  # a partial run judged fewer units
    if not kept:
        return None
    humans = _mean_scores(kept)
    sampled, inclusion, strata, set_aside, design = _design(kept, index, len(units))
    votes = {v.unit_id: v for v in result.votes}
    predictions = [panel_prediction(votes[u.unit_id]) for u in units]
    estimate, reason = None, ""
    try:
        estimate = human_anchored_win_rate(
            predictions,
            [u.item.item_id for u in units],
            sampled,
            [humans[units[k].unit_id] for k in sampled],
            inclusion,
            strata=strata,
            confidence=confidence,
        )
    except ValueError as exc:  # too few labels for this design (e.g. a stratum without one yet)
        reason = str(exc)
    labellers = tuple(sorted({x.labeller for x in kept}))
    return HumanAnchor(
        estimate=estimate,
        design=design,
        n_labels=len(kept),
        n_units_labelled=len(humans),
        n_in_sample=len(sampled) if estimate is not None else 0,
        set_aside=set_aside,
        labellers=labellers,
        agreement=_agreement(result, humans, result.spec.seed),
        labeller_agreement=labeller_agreement(kept, seed=result.spec.seed) if len(labellers) > 1 else None,
        reason=reason,
    )
