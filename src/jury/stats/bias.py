"""Bias diagnostics of judges, from a run's own records: pure functions, no I/O.

- position bias: among pairwise verdicts that pick a winner, P(the answer shown first wins) - ½.
  An unbiased judge sits at 0 whatever the candidate's quality, because each pair is shown in both orders.
- length bias: among verdicts that pick a winner between outputs of different lengths, P(the longer wins).
  Not a bias on its own (longer answers can be better) but the number every reader asks for.
- self-preference: a judge of the candidate's family; its win rate for the candidate minus the
  mean win rate the other judges give.

Proportions carry a Clopper-Pearson (exact binomial) 95% CI. The trials of one cluster are not
independent: the two presentation orders of an item (a judge that always picks the first answer
wins the first slot in both), and the turns of one conversation. Rates over judgments or votes
therefore cluster them (stats.intervals: Korn-Graubard effective sample size; cluster-robust SE),
so that copying a trial never narrows the CI.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import binomtest

from jury.records import TIE_SCORE, Judgment, Preference, Vote
from jury.stats.intervals import mean_interval
from jury.stats.pairwise import cluster_standard_error

HALF = TIE_SCORE  # P(the answer shown first wins) of a judge with no position bias


@dataclass(frozen=True)
class Proportion:
    value: float  # nan when n == 0
    ci_low: float
    ci_high: float
    hits: int
    n: int
    standard_error: float = math.nan  # cluster-robust when the trials come in clusters


def proportion(hits: int, n: int, confidence: float = 0.95) -> Proportion:
    """Independent trials: the exact binomial CI and the sample standard error (ddof=1)."""
    if n == 0:
        nan = float("nan")
        return Proportion(nan, nan, nan, 0, 0)
    ci = binomtest(hits, n).proportion_ci(confidence_level=confidence, method="exact")
    p = hits / n
    se = math.sqrt(p * (1 - p) / (n - 1)) if n > 1 else math.nan
    return Proportion(p, float(ci.low), float(ci.high), hits, n, se)


def clustered_proportion(hits: Sequence[bool], clusters: Sequence[Hashable], confidence: float = 0.95) -> Proportion:
    """Trials that share a cluster label are not independent: a Korn-Graubard exact-binomial CI and a
    cluster-robust SE. With one trial per cluster this is `proportion` exactly."""
    if len(hits) != len(clusters):
        raise ValueError(f"{len(hits)} trials but {len(clusters)} cluster labels")
    if not hits:
        return proportion(0, 0)
    x = [float(h) for h in hits]
    low, high = mean_interval(x, clusters, confidence=confidence)
    se = cluster_standard_error(x, clusters)
    return Proportion(sum(x) / len(x), low, high, int(sum(x)), len(x), se)


def first_position_rate(judgments: Sequence[Judgment], items: Mapping[str, str] | None = None) -> Proportion:
    """P(first shown wins) over pairwise judgments with a winner (ties and abstentions left out).
    An item's orders are one cluster; `items` maps a judged unit to its conversation, whose turns then are."""
    decided = [
        j for j in judgments if j.order != "pointwise" and j.preference in (Preference.CANDIDATE, Preference.BASELINE)
    ]
    first = [(j.order == "candidate_first") == (j.preference is Preference.CANDIDATE) for j in decided]
    return clustered_proportion(first, [(items or {}).get(j.unit_id, j.unit_id) for j in decided])


def longer_preferred_rate(
    preferences: Mapping[str, Preference | None],
    lengths: Mapping[str, tuple[int, int]],
    items: Mapping[str, str] | None = None,
) -> Proportion:
    """P(the longer output wins); `lengths` maps item -> (candidate length, baseline length), and
    `items` a judged unit to its conversation (one cluster)."""
    hits, clusters = [], []
    for unit, preference in preferences.items():
        cand, base = lengths[unit]
        if preference not in (Preference.CANDIDATE, Preference.BASELINE) or cand == base:
            continue
        hits.append((preference is Preference.CANDIDATE) == (cand > base))
        clusters.append((items or {}).get(unit, unit))
    return clustered_proportion(hits, clusters)


def win_rate_of(preferences: Sequence[Preference | None]) -> float:
    scores = [p.score for p in preferences if p is not None]
    return sum(scores) / len(scores) if scores else float("nan")


@dataclass(frozen=True)
class SelfPreference:
    judge: str
    family: str
    win_rate: float  # this judge's win rate for the candidate
    others_win_rate: float  # mean of the other judges' win rates (nan when it is alone)
    delta: float  # win_rate - others_win_rate: > 0 means it favours its own family


def self_preference(votes: Sequence[Vote], same_family: Sequence[str], family: str) -> tuple[SelfPreference, ...]:
    judges = list(votes[0].per_judge) if votes else []
    rates = {j: win_rate_of([v.per_judge[j] for v in votes]) for j in judges}
    out = []
    for judge in same_family:
        others = [r for j, r in rates.items() if j != judge and r == r]
        mean_others = sum(others) / len(others) if others else float("nan")
        out.append(SelfPreference(judge, family, rates[judge], mean_others, rates[judge] - mean_others))
    return tuple(out)


@dataclass(frozen=True)
class BiasReport:
    position: dict[str, Proportion]  # judge -> P(first wins); pairwise judges only
    length: dict[str, Proportion]  # judge, and "panel" -> P(longer wins)
    candidate_family: str | None
    self_preference: tuple[SelfPreference, ...]
    excluded_same_family: tuple[str, ...] = ()  # judges left out by --exclude-same-family


def bias_report(
    judgments: Sequence[Judgment],
    votes: Sequence[Vote],
    lengths: Mapping[str, tuple[int, int]],
    judge_families: Mapping[str, str],
    candidate_family: str | None,
    excluded: Sequence[str] = (),
    items: Mapping[str, str] | None = None,
) -> BiasReport:
    """`items` maps each judged unit to its conversation (multi-turn runs): the clusters of the CIs."""
    position = {}
    for judge in judge_families:
        mine = [j for j in judgments if j.judge == judge and j.order != "pointwise"]
        if mine:
            position[judge] = first_position_rate(mine, items)
    length = {
        j: longer_preferred_rate({v.unit_id: v.per_judge.get(j) for v in votes}, lengths, items) for j in judge_families
    }
    length["panel"] = longer_preferred_rate({v.unit_id: v.outcome for v in votes}, lengths, items)
    same = [j for j, f in judge_families.items() if candidate_family is not None and f == candidate_family]
    return BiasReport(
        position=position,
        length=length,
        candidate_family=candidate_family,
        self_preference=self_preference(votes, same, candidate_family or ""),
        excluded_same_family=tuple(excluded),
    )
