"""Bias diagnostics of judges, from a run's own records: pure functions, no I/O.

- position bias: among pairwise verdicts that pick a winner, P(the answer shown first wins) - ½.
  An unbiased judge sits at 0 whatever the candidate's quality, because each pair is shown in both orders.
- length bias: among verdicts that pick a winner between outputs of different lengths, P(the longer wins).
  Not a bias on its own (longer answers can be better) but the number every reader asks for.
- self-preference: a judge of the candidate's family; its win rate for the candidate minus the
  mean win rate the other judges give.

Proportions carry a Clopper-Pearson (exact binomial) 95% CI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import binomtest

from jury.records import TIE_SCORE, Judgment, Preference, Vote

HALF = TIE_SCORE  # P(the answer shown first wins) of a judge with no position bias


@dataclass(frozen=True)
class Proportion:
    value: float  # nan when n == 0
    ci_low: float
    ci_high: float
    hits: int
    n: int


def proportion(hits: int, n: int, confidence: float = 0.95) -> Proportion:
    if n == 0:
        nan = float("nan")
        return Proportion(nan, nan, nan, 0, 0)
    ci = binomtest(hits, n).proportion_ci(confidence_level=confidence, method="exact")
    return Proportion(hits / n, float(ci.low), float(ci.high), hits, n)


def first_position_rate(judgments: Sequence[Judgment]) -> Proportion:
    """P(first shown wins) over pairwise judgments with a winner (ties and abstentions left out)."""
    decided = [
        j for j in judgments if j.order != "pointwise" and j.preference in (Preference.CANDIDATE, Preference.BASELINE)
    ]
    first = sum((j.order == "candidate_first") == (j.preference is Preference.CANDIDATE) for j in decided)
    return proportion(first, len(decided))


def longer_preferred_rate(
    preferences: Mapping[str, Preference | None], lengths: Mapping[str, tuple[int, int]]
) -> Proportion:
    """P(the longer output wins); `lengths` maps item -> (candidate length, baseline length)."""
    hits = n = 0
    for item, preference in preferences.items():
        cand, base = lengths[item]
        if preference not in (Preference.CANDIDATE, Preference.BASELINE) or cand == base:
            continue
        n += 1
        hits += (preference is Preference.CANDIDATE) == (cand > base)
    return proportion(hits, n)


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
) -> BiasReport:
    position = {}
    for judge in judge_families:
        mine = [j for j in judgments if j.judge == judge and j.order != "pointwise"]
        if mine:
            position[judge] = first_position_rate(mine)
    length = {j: longer_preferred_rate({v.unit_id: v.per_judge.get(j) for v in votes}, lengths) for j in judge_families}
    length["panel"] = longer_preferred_rate({v.unit_id: v.outcome for v in votes}, lengths)
    same = [j for j, f in judge_families.items() if candidate_family is not None and f == candidate_family]
    return BiasReport(
        position=position,
        length=length,
        candidate_family=candidate_family,
        self_preference=self_preference(votes, same, candidate_family or ""),
        excluded_same_family=tuple(excluded),
    )
