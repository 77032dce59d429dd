"""Win rate and agreement statistics against hand computations and an independent formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from jury.records import JudgeVote, Preference, Vote
from jury.stats.agreement import (
    agreement_with_panel,
    judge_pair_agreement,
    percent_agreement,
    position_consistency,
)
from jury.stats.winrate import win_rate_with_ci

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def test_win_rate_counts_ties_as_half_and_sets_abstentions_apart():
    w = win_rate_with_ci([C, C, T, B, None])
    # by hand: (1 + 1 + 0.5 + 0) / 4
    assert w.value == pytest.approx(0.625)
    assert (w.wins, w.ties, w.losses, w.abstained, w.n) == (2, 1, 1, 1, 4)
    assert w.ci_low <= w.value <= w.ci_high


@pytest.mark.parametrize(("wins", "losses"), [(5, 0), (24, 2), (0, 7), (1, 0), (13, 17), (99, 1)])
def test_wins_and_losses_get_the_clopper_pearson_interval_of_statsmodels(wins, losses):
    w = win_rate_with_ci([C] * wins + [B] * losses + [None])
    low, high = proportion_confint(wins, wins + losses, alpha=0.05, method="beta")
    assert (w.ci_low, w.ci_high) == pytest.approx((low, high), abs=1e-12)


def test_a_perfect_record_is_not_a_point_interval():
    # the percentile bootstrap gave [100, 100] for 5 of 5; the exact interval is [47.8, 100]
    five = win_rate_with_ci([C] * 5)
    assert (five.value, five.ci_high) == (1.0, 1.0)
    assert five.ci_low == pytest.approx(0.4782, abs=1e-4)
    lopsided = win_rate_with_ci([C] * 24 + [B] * 2)
    assert (lopsided.ci_low, lopsided.ci_high) == pytest.approx((0.7487, 0.9905), abs=1e-4)
    nothing = win_rate_with_ci([None, None])
    assert math.isnan(nothing.value) and math.isnan(nothing.ci_low) and nothing.abstained == 2


def test_ties_count_half_a_success_and_the_interval_is_never_narrower_than_the_normal_one():
    rng = np.random.default_rng(7)
    outcomes = [(C, B, T)[k] for k in rng.choice(3, size=800, p=[0.5, 0.35, 0.15])]
    w = win_rate_with_ci(outcomes)
    scores = np.array([{C: 1.0, T: 0.5, B: 0.0}[o] for o in outcomes])
    # statsmodels' Clopper-Pearson takes the fractional total (wins + ties / 2) as it is
    assert (w.ci_low, w.ci_high) == pytest.approx(
        proportion_confint(scores.sum(), scores.size, alpha=0.05, method="beta"), abs=1e-12
    )
    # ties shrink the variance below mean (1 - mean): conservative against mean +/- 1.96 SE, not much wider
    half = 1.959964 * scores.std(ddof=1) / math.sqrt(len(scores))
    assert w.ci_low < scores.mean() - half and w.ci_high > scores.mean() + half
    assert (w.ci_high - w.ci_low) / (2 * half) < 1.1


def test_wins_and_losses_on_a_large_sample_match_the_normal_approximation():
    rng = np.random.default_rng(3)
    outcomes = [(C, B)[k] for k in rng.choice(2, size=800, p=[0.6, 0.4])]
    w = win_rate_with_ci(outcomes)
    p = w.value
    half = 1.959964 * math.sqrt(p * (1 - p) / 800)
    assert (w.ci_low, w.ci_high) == pytest.approx((p - half, p + half), abs=0.003)


def test_percent_agreement_skips_items_without_both_verdicts():
    ag = percent_agreement([C, B, T, None, C], [C, C, T, B, None])
    assert (ag.rate, ag.n) == (pytest.approx(2 / 3), 3)


def test_pair_and_panel_agreement_by_hand():
    votes = [
        Vote("1", C, {"x": C, "y": C, "z": B}),
        Vote("2", B, {"x": B, "y": C, "z": B}),
        Vote("3", T, {"x": T, "y": None, "z": C}),
    ]
    pairs = judge_pair_agreement(votes, ["x", "y", "z"])
    assert pairs[("x", "y")].rate == pytest.approx(1 / 2) and pairs[("x", "y")].n == 2
    assert pairs[("x", "z")].rate == pytest.approx(1 / 3)
    assert pairs[("y", "z")].rate == pytest.approx(0.0)
    assert agreement_with_panel(votes, "z").rate == pytest.approx(1 / 3)


def test_position_consistency_per_judge():
    votes = [
        JudgeVote("1", "x", C, True),
        JudgeVote("2", "x", T, False),
        JudgeVote("3", "x", B, True),
        JudgeVote("1", "p", C, None),
    ]
    out = position_consistency(votes)
    assert out["x"].rate == pytest.approx(2 / 3) and out["x"].n == 3
    assert out["p"].rate is None
