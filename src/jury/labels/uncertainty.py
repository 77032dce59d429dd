"""How unsure the panel is of a unit, in [0, 1], for the `disagreement` plan: 0 when every asked judge gave
the same win, 1 when the panel is evenly split, abstained, or pooled to a score of 1/2."""

from __future__ import annotations

from statistics import fmean

from jury.records import TIE_SCORE, Vote


def split(score: float) -> float:
    """1 - |2f - 1|: 0 at a sure verdict (f = 0 or 1), 1 at f = 1/2."""
    return 1.0 - abs(2.0 * score - 1.0)


def unit_uncertainty(vote: Vote) -> float:
    """The larger of the judges' split (their mean score, an abstaining judge counted as 1/2) and the
    pooled score's distance from 1/2 (average, median and log-odds rules); 1 when the panel gave no verdict."""
    if vote.outcome is None:
        return 1.0
    if vote.identical:  # the same text twice: a sure tie, nothing for a human to settle
        return 0.0
    asked = vote.asked or tuple(vote.per_judge)
    scores = [p.score if (p := vote.per_judge.get(j)) is not None else TIE_SCORE for j in asked]
    judges = split(fmean(scores)) if scores else 1.0
    pooled = split(vote.score) if vote.score is not None else 0.0
    return max(judges, pooled)
