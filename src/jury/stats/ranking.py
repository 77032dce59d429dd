"""How far a leaderboard's order agrees with a reference order (human ratings, Chatbot Arena, a
previous run): Kendall's tau-b and Spearman's rho from scipy, on the models both rank."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class RankCorrelation:
    value: float
    p_value: float
    n: int  # models scored by both


def _common(scores: Mapping[str, float], reference: Mapping[str, float]) -> tuple[list[float], list[float]]:
    shared = [m for m in scores if m in reference]
    return [scores[m] for m in shared], [reference[m] for m in shared]


def kendall_tau_scores(scores: Mapping[str, float], reference: Mapping[str, float]) -> RankCorrelation:
    """Kendall's tau-b (ties in either ranking handled): the share of model pairs put in the same order,
    minus the share put in opposite order; robust to a few large rank swaps."""
    x, y = _common(scores, reference)
    result = stats.kendalltau(x, y)
    return RankCorrelation(float(result.statistic), float(result.pvalue), len(x))


def spearman_rho_scores(scores: Mapping[str, float], reference: Mapping[str, float]) -> RankCorrelation:
    """Spearman's rho: the Pearson correlation of the ranks."""
    x, y = _common(scores, reference)
    result = stats.spearmanr(x, y)
    return RankCorrelation(float(result.statistic), float(result.pvalue), len(x))
