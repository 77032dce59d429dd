"""`jury calibrate`: run a panel on human-labelled pairs, measure each judge and the panel against
the humans, and fit per-judge weights whose worth is measured on held-out items.

Answer A plays the candidate and B the baseline, so the panel runs exactly as in `jury run`;
every judge is asked on every item (jury mode) so that each can be measured alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jury.errors import JuryError
from jury.io.labels import LabelledPair
from jury.models.client import ModelClient
from jury.models.policy import CallPolicy
from jury.panel.aggregate import calls_per_unit, judge_votes, panel_votes, simulate_escalation
from jury.panel.spec import PanelSpec, load_panel
from jury.panel.units import pair_units
from jury.paths import jury_home
from jury.records import Item, JudgeVote, Preference
from jury.stats.calibration import Weights, cross_validated_preference, fit_weights, weighted_preference
from jury.stats.kappa import Kappa, cohen_kappa_labels
from jury.stats.pairwise import PairedComparison, bootstrap_mean_ci, paired_comparison_scores
from jury.store import CallStore
from jury.workflows.judging import ProgressSink, judge

CREDIT = {True: 1.0, False: 0.0}


@dataclass(frozen=True)
class RaterRow:
    rater: str
    accuracy: float  # share right (a tie against a human winner counts ½, an abstention 0)
    kappa: Kappa  # Cohen's kappa with the human labels, bootstrap CI
    abstentions: int
    position_consistency: float | None  # pairwise judges only
    n: int
    accuracy_ci: tuple[float, float] = (math.nan, math.nan)  # 95% percentile bootstrap over items


@dataclass(frozen=True)
class CalibrationReport:
    panel: str
    # each judge, the panel as written, the calibrated panel (held out): every row on every labelled pair
    rows: tuple[RaterRow, ...]
    weights: Weights  # fitted on every item with a human winner
    n_items: int
    n_fit: int  # items with a human winner (ties cannot train a winner model)
    folds: int
    escalation: Escalation | None = None  # three-judge panels only
    # Held-out calibrated panel minus its best member (by accuracy), per item on the items with a winner.
    vs_best: BestMember | None = None


@dataclass(frozen=True)
class BestMember:
    judge: str
    comparison: PairedComparison  # mean difference in per-item credit, paired bootstrap CI, t-test


@dataclass(frozen=True)
class Escalation:
    """Escalate mode replayed on the jury's verdicts: what asking the third judge only on a split costs."""

    row: RaterRow
    escalated: int
    calls_saved: int
    calls_full: int
    agreement_with_jury: float  # share of items where the escalated verdict equals the full jury's


def item_credit(predicted: Preference | None, human: Preference) -> float:
    if predicted is None:
        return 0.0
    if predicted is Preference.TIE and human is not Preference.TIE:
        return Preference.TIE.score  # half right: what a coin flip would score
    return CREDIT[predicted is human]


def rater_row(
    name: str, predicted: list[Preference | None], human: list[Preference], consistency: float | None, seed: int
) -> RaterRow:
    credits = [item_credit(p, h) for p, h in zip(predicted, human, strict=True)]
    kappa = cohen_kappa_labels([p.value if p else None for p in predicted], [h.value for h in human], seed=seed)
    abstained = sum(p is None for p in predicted)
    ci = bootstrap_mean_ci(credits, seed=seed)
    return RaterRow(name, float(np.mean(credits)), kappa, abstained, consistency, len(human), ci)


def _consistency(votes: list[JudgeVote]) -> float | None:
    seen = [v.position_consistent for v in votes if v.position_consistent is not None]
    return sum(seen) / len(seen) if seen else None


_FROM_SIGN = {1.0: Preference.CANDIDATE, -1.0: Preference.BASELINE, 0.0: Preference.TIE}


def calibration_report(
    panel: PanelSpec, pairs: tuple[LabelledPair, ...], jvotes: list[JudgeVote], *, folds: int = 5, seed: int = 0
) -> CalibrationReport:
    ids = [p.item_id for p in pairs]
    human = [p.human for p in pairs]
    by = {(v.unit_id, v.judge): v for v in jvotes}
    names = tuple(j.name for j in panel.judges)
    rows = []
    for name in names:
        mine = [by.get((i, name)) for i in ids]
        predicted = [v.preference if v else None for v in mine]
        rows.append(rater_row(name, predicted, human, _consistency([v for v in mine if v]), seed))
    votes = panel_votes(panel, jvotes, ids)
    rows.append(rater_row(f"panel ({panel.rule})", [v.outcome for v in votes], human, None, seed))
    decided = [k for k, h in enumerate(human) if h is not Preference.TIE]
    scores = np.array([[_log_odds(by.get((ids[k], n))) for n in names] for k in decided], dtype=float)
    a_wins = np.array([human[k] is Preference.CANDIDATE for k in decided], dtype=int)
    if min(a_wins.sum(), len(a_wins) - a_wins.sum()) < folds:
        raise JuryError(
            f"calibration needs at least {folds} items won by A and {folds} won by B, "
            f"got {int(a_wins.sum())} and {int(len(a_wins) - a_wins.sum())}",
            fix="label more pairs",
        )
    fitted = fit_weights(scores, a_wins, names)
    cal = _calibrated_verdicts(by, ids, human, names, decided, scores, a_wins, fitted, folds, seed)
    rows.append(rater_row("calibrated (held out)", cal, human, None, seed))
    escalation = _escalation(panel, jvotes, ids, human, [v.outcome for v in votes], seed) if len(names) == 3 else None
    return CalibrationReport(
        panel.name,
        tuple(rows),
        fitted,
        len(pairs),
        len(decided),
        folds,
        escalation,
        _vs_best(by, ids, human, decided, names, [cal[k] for k in decided], seed),
    )


def _calibrated_verdicts(
    by: dict[tuple[str, str], JudgeVote],
    ids: list[str],
    human: list[Preference],
    names: tuple[str, ...],
    decided: list[int],
    scores: np.ndarray,
    a_wins: np.ndarray,
    fitted: Weights,
    folds: int,
    seed: int,
) -> list[Preference | None]:
    """The calibrated panel's verdict on every pair, so that its row is scored on the same pairs as the
    judges' rows. A pair with a winner is predicted from weights fitted on the other folds; a pair the
    humans called a tie never enters any fit (a tie cannot train a winner model), so it is predicted
    from the weights fitted on every pair with a winner, and is held out all the same."""
    out: list[Preference | None] = [None] * len(ids)
    for k, sign in zip(decided, cross_validated_preference(scores, a_wins, names, folds=folds, seed=seed), strict=True):
        out[k] = _FROM_SIGN[float(sign)]
    ties = [k for k, h in enumerate(human) if h is Preference.TIE]
    evidence = np.array([[_log_odds(by.get((ids[k], n))) for n in names] for k in ties], dtype=float)
    for k, sign in zip(ties, weighted_preference(evidence.reshape(len(ties), len(names)), fitted.weights), strict=True):
        out[k] = _FROM_SIGN[float(sign)]
    return out


def _vs_best(
    by: dict[tuple[str, str], JudgeVote],
    ids: list[str],
    human: list[Preference],
    decided: list[int],
    names: tuple[str, ...],
    calibrated: list[Preference],
    seed: int,
) -> BestMember | None:
    """Does calibration beat simply using the best judge? Paired over the same items."""
    credit = {
        n: [item_credit(by[(ids[k], n)].preference if (ids[k], n) in by else None, human[k]) for k in decided]
        for n in names
    }
    best = max(names, key=lambda n: sum(credit[n]))
    cal = [item_credit(p, human[k]) for p, k in zip(calibrated, decided, strict=True)]
    if len(cal) < 2:
        return None
    return BestMember(best, paired_comparison_scores(credit[best], cal, seed=seed))


def _escalation(
    panel: PanelSpec,
    jvotes: list[JudgeVote],
    ids: list[str],
    human: list[Preference],
    jury: list[Preference | None],
    seed: int,
) -> Escalation:
    votes, escalated = simulate_escalation(panel, jvotes, ids)
    outcomes = [v.outcome for v in votes]
    full = len(ids) * sum(calls_per_unit(j) for j in panel.judges)
    return Escalation(
        row=rater_row("escalate (2, then 3 on a split)", outcomes, human, None, seed),
        escalated=escalated,
        calls_saved=(len(ids) - escalated) * calls_per_unit(panel.judges[2]),
        calls_full=full,
        agreement_with_jury=sum(a == b for a, b in zip(outcomes, jury, strict=True)) / len(ids),
    )


def _log_odds(vote: JudgeVote | None) -> float:
    return math.nan if vote is None or vote.log_odds is None else vote.log_odds


def run_calibration(
    panel_name: str,
    pairs: tuple[LabelledPair, ...],
    *,
    store: Path | None = None,
    policy: CallPolicy | None = None,
    folds: int = 5,
    seed: int = 0,
    progress: ProgressSink | None = None,
) -> CalibrationReport:
    panel = replace(load_panel(panel_name), mode="jury")  # every judge on every item, to measure each
    items = tuple(Item("calibration", p.item_id, p.question, reference=p.reference) for p in pairs)
    cache = CallStore(jury_home(store) / "cache.sqlite")
    client = ModelClient(cache, policy)
    try:
        units = pair_units(items, {p.item_id: p.answer_a for p in pairs}, {p.item_id: p.answer_b for p in pairs})
        judgments = judge(client, panel, units, progress)
    finally:
        client.close()
        cache.close()
    return calibration_report(panel, pairs, judge_votes(judgments), folds=folds, seed=seed)


def write_weights(path: Path, weights: Weights) -> None:
    """Set each judge's `weight:` and the rule the weights were fitted for (`log_odds`) in the panel
    file, keeping its comments; the result is loaded again and restored if it does not load."""
    original = path.read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^(\s*rule:\s*)\S+", r"\1log_odds", original, count=1)
    if not found:  # no rule yet: the default (majority) would ignore the weights
        text, found = re.subn(r"(?m)^aggregation:[ \t]*$", "aggregation:\n  rule: log_odds", text, count=1)
    if not found:
        text = text.rstrip("\n") + "\naggregation:\n  rule: log_odds\n"
    for name, weight in zip(weights.judges, weights.weights, strict=True):
        block = re.search(rf"(?m)^(\s*)- name:\s*['\"]?{re.escape(name)}['\"]?\s*$", text)
        if block is None:
            raise JuryError(f"judge '{name}' not found as '- name: {name}'", where=str(path))
        indent = block.group(1) + "  "
        end = re.search(r"(?m)^\s*- name:", text[block.end() :])
        stop = block.end() + (end.start() if end else len(text) - block.end())
        body = text[block.end() : stop]
        line = f"{indent}weight: {weight:.4f}"
        if re.search(r"(?m)^\s*weight:", body):
            body = re.sub(r"(?m)^\s*weight:.*$", line, body, count=1)
        else:
            body = "\n" + line + body
        text = text[: block.end()] + body + text[stop:]
    path.write_text(text, encoding="utf-8")
    try:
        if load_panel(str(path)).rule != "log_odds":
            raise JuryError("could not set `rule: log_odds`", where=str(path), fix="set aggregation.rule by hand")
    except JuryError:
        path.write_text(original, encoding="utf-8")
        raise
