"""From a judge's judgments to its vote on an item, and from judges' votes to the panel's.

Rules (panel `aggregation.rule`): `majority` (one judge, one vote), `weighted` (majority of
weights), `average` (mean of the judges' scores: average pooling of probabilities / grades),
`median` (median of the scores), `log_odds` (mean of the judges' log-odds: logarithmic pooling, the
rule `jury calibrate` fits weights for). A split at the top under a voting rule is settled by the declared
`tie_rule`; fewer voting judges than the `quorum` makes the item an abstention with its reason.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from jury.panel.log_odds import logit, sigmoid
from jury.panel.spec import JudgeSpec, PanelSpec
from jury.panel.strategies import get_strategy, preference_from_difference
from jury.records import JudgeVote, Judgment, Preference, Vote

EVEN = 0.5  # a score of ½ prefers neither output
# Weight totals this close (relative) are equal: summing a few weights rounds at about 1e-16 relative,
# so 0.1 + 0.2 against 0.3 is the tie it is on paper, while any difference a panel file can mean
# (weights are written with a few digits) is many orders of magnitude larger.
WEIGHT_TOLERANCE = 1e-9


def _judgment_log_odds(j: Judgment) -> float | None:
    """Pointwise: the log-odds ratio of the two outputs' scores (for PMI scores sigmoid(pmi), exactly the
    PMI difference; for P(Yes), the log odds ratio); pairwise: the log-odds of the order's score."""
    if j.preference is None:
        return None
    if j.order == "pointwise":
        return logit(j.scores["candidate"]) - logit(j.scores["baseline"])
    return logit(j.scores.get("candidate", j.preference.score))


def _judgment_score(j: Judgment) -> float | None:
    """Pointwise: ½ + half the difference of the two outputs' scores; pairwise: the order's score."""
    if j.preference is None:
        return None
    if j.order == "pointwise":
        return EVEN + (j.scores["candidate"] - j.scores["baseline"]) / 2
    return j.scores.get("candidate", j.preference.score)


def judge_vote(judgments: list[Judgment]) -> JudgeVote:
    """Both orders agree: that verdict. They disagree: a tie (position-inconsistent).
    One order abstained: the other stands. Pointwise: the single judgment."""
    first = judgments[0]
    scores = [s for s in map(_judgment_score, judgments) if s is not None]
    score = sum(scores) / len(scores) if scores else None
    odds = [x for x in map(_judgment_log_odds, judgments) if x is not None]
    log_odds = sum(odds) / len(odds) if odds else None
    if len(judgments) == 1:
        return JudgeVote(first.unit_id, first.judge, first.preference, None, score, log_odds)
    prefs = [j.preference for j in judgments]
    voted = [p for p in prefs if p is not None]
    if not voted:
        return JudgeVote(first.unit_id, first.judge, None, None)
    if len(voted) < len(prefs):
        return JudgeVote(first.unit_id, first.judge, voted[0], None, score, log_odds)
    consistent = len(set(voted)) == 1
    preference = voted[0] if consistent else Preference.TIE
    return JudgeVote(first.unit_id, first.judge, preference, consistent, score, log_odds)


def judge_votes(judgments: Iterable[Judgment]) -> list[JudgeVote]:
    grouped: dict[tuple[str, str], list[Judgment]] = defaultdict(list)
    for j in judgments:
        grouped[(j.unit_id, j.judge)].append(j)
    return [judge_vote(group) for group in grouped.values()]


def majority(unit_id: str, votes: Mapping[str, Preference | None], weights: Mapping[str, float], tie_rule: str) -> Vote:
    """Weighted majority of the judges that voted; a split at the top (equal totals up to rounding) is
    settled by `tie_rule`. When every voting judge weighs 0 nobody's vote counts: an abstention, as
    under the pooling rules."""
    totals: dict[Preference, float] = defaultdict(float)
    for judge, preference in votes.items():
        if preference is not None:
            totals[preference] += weights.get(judge, 1.0)
    if not totals or max(totals.values()) <= 0:
        return Vote(unit_id, None, dict(votes))
    best = max(totals.values())
    leaders = [p for p, w in totals.items() if math.isclose(w, best, rel_tol=WEIGHT_TOLERANCE)]
    outcome = leaders[0] if len(leaders) == 1 else Preference(tie_rule)
    return Vote(unit_id, outcome, dict(votes))


def pooled(
    unit_id: str,
    votes: Mapping[str, Preference | None],
    scores: Mapping[str, float],
    rule: str,
    margin: float,
    weights: Mapping[str, float] | None = None,
) -> Vote:
    """Weighted average (weights: the judges' `weight`) or median of the voting judges' scores, or
    (`log_odds`, where `scores` are log-odds) their weighted mean log-odds as a probability; within
    `margin` of ½ is a tie."""
    weights = weights or {}
    given = [(scores[j], weights.get(j, 1.0)) for j, p in votes.items() if p is not None and j in scores]
    if not given or (rule in ("average", "log_odds") and sum(w for _, w in given) == 0):
        return Vote(unit_id, None, dict(votes))
    if rule in ("average", "log_odds"):
        score = statistics.fmean([s for s, _ in given], weights=[w for _, w in given])
        score = sigmoid(score) if rule == "log_odds" else score
    else:
        score = statistics.median([s for s, _ in given])
    return Vote(unit_id, preference_from_difference(score - EVEN, margin), dict(votes), score=score)


def drawn_judge(panel: PanelSpec, unit_id: str) -> JudgeSpec:
    """Pool mode: the judge for an item is a hash of the panel's seed and the item id, so a rerun
    draws the same judge and any item's draw can be recomputed from the report."""
    digest = hashlib.sha256(f"{panel.seed}:{unit_id}".encode()).digest()
    return panel.judges[int.from_bytes(digest[:8], "big") % len(panel.judges)]


def asked_judges(panel: PanelSpec, unit_id: str) -> tuple[JudgeSpec, ...]:
    """The judges asked first on an item: all (jury), the drawn one (pool), the first two (escalate)."""
    if panel.mode == "pool":
        return (drawn_judge(panel, unit_id),)
    if panel.mode == "escalate":
        return panel.judges[:2]
    return panel.judges


def needs_escalation(votes: Iterable[JudgeVote]) -> bool:
    """Escalate mode: the third judge is asked when the first two do not give the same verdict."""
    given = [v.preference for v in votes]
    return len(given) < 2 or given[0] is None or given[0] != given[1]


def panel_vote(panel: PanelSpec, unit_id: str, mine: Mapping[str, JudgeVote], asked: tuple[str, ...]) -> Vote:
    per_judge = {j.name: (mine[j.name].preference if j.name in mine else None) for j in panel.judges}
    voting = [j for j in asked if per_judge.get(j) is not None]
    if len(voting) < panel.quorum:
        reason = (
            f"below quorum: {len(voting)} of {len(asked)} asked judges voted, the panel needs {panel.quorum}"
            if voting or panel.quorum > 1
            else "no judge voted"
        )
        return Vote(unit_id, None, per_judge, abstain_reason=reason, asked=asked)
    ballot = {j: per_judge[j] for j in asked}
    if panel.rule in ("average", "median", "log_odds"):
        field = "log_odds" if panel.rule == "log_odds" else "score"
        scores = {j: getattr(mine[j], field) for j in asked if j in mine and getattr(mine[j], field) is not None}
        weights = {j.name: j.weight for j in panel.judges}
        vote = pooled(unit_id, ballot, scores, panel.rule, panel.score_tie_margin, weights)
    else:
        weights = {j.name: (j.weight if panel.rule == "weighted" else 1.0) for j in panel.judges}
        vote = majority(unit_id, ballot, weights, panel.tie_rule)
    reason = None
    if vote.outcome is None:
        weightless = panel.rule != "median" and all(weights.get(j, 1.0) == 0 for j in voting)
        reason = "every voting judge has weight 0" if weightless else "no voting judge gave a score to pool"
    return Vote(unit_id, vote.outcome, per_judge, abstain_reason=reason, asked=asked, score=vote.score)


def panel_votes(panel: PanelSpec, votes: Iterable[JudgeVote], unit_ids: list[str]) -> list[Vote]:
    by_unit: dict[str, dict[str, JudgeVote]] = {i: {} for i in unit_ids}
    for v in votes:
        by_unit[v.unit_id][v.judge] = v
    out = []
    for unit_id in unit_ids:
        mine = by_unit[unit_id]
        if panel.mode == "jury":
            asked = tuple(j.name for j in panel.judges)
        else:
            asked = tuple(j.name for j in panel.judges if j.name in mine)
        out.append(panel_vote(panel, unit_id, mine, asked))
    return out


def identical_vote(panel: PanelSpec, unit_id: str) -> Vote:
    """The panel's verdict on a pair of identical answers (see units.identical_answers): a tie, no judge asked."""
    return Vote(unit_id, Preference.TIE, {j.name: None for j in panel.judges}, identical=True)


def calls_per_unit(judge: JudgeSpec) -> int:
    """Both orders (pairwise) or both outputs (pointwise); likelihood with PMI scores each output twice."""
    return get_strategy(judge.strategy).calls_per_unit(judge.parser)


def simulate_escalation(panel: PanelSpec, votes: Iterable[JudgeVote], unit_ids: list[str]) -> tuple[list[Vote], int]:
    """From a three-judge jury's votes, the votes escalate mode would have given, and how many items
    it would have escalated; no model call is made, so its saving can be measured after the fact."""
    if len(panel.judges) != 3:
        raise ValueError("escalation needs exactly three judges")
    first, second, third = (j.name for j in panel.judges)
    by = {(v.unit_id, v.judge): v for v in votes}
    kept: list[JudgeVote] = []
    escalated = 0
    for unit_id in unit_ids:
        two = [by[(unit_id, n)] for n in (first, second) if (unit_id, n) in by]
        kept += two
        if needs_escalation(two) and (unit_id, third) in by:
            kept.append(by[(unit_id, third)])
            escalated += 1
    return panel_votes(replace(panel, mode="escalate"), kept, unit_ids), escalated
