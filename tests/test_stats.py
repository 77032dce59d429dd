"""Win rate and agreement statistics against hand computations and an independent formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

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


def test_bootstrap_ci_matches_normal_approximation_on_a_large_sample():
    rng = np.random.default_rng(7)
    outcomes = [(C, B, T)[k] for k in rng.choice(3, size=800, p=[0.5, 0.35, 0.15])]
    w = win_rate_with_ci(outcomes, seed=3)
    scores = np.array([{C: 1.0, T: 0.5, B: 0.0}[o] for o in outcomes])
    # independent reference: mean +/- 1.96 * sample standard error
    half = 1.959964 * scores.std(ddof=1) / math.sqrt(len(scores))
    assert w.ci_low == pytest.approx(scores.mean() - half, abs=0.006)
    assert w.ci_high == pytest.approx(scores.mean() + half, abs=0.006)


def test_bootstrap_is_seeded_and_degenerate_samples_have_a_point_interval():
    sample = [C, B, T, C, C, B, T, C]
    assert win_rate_with_ci(sample, seed=1) == win_rate_with_ci(sample, seed=1)
    all_wins = win_rate_with_ci([C, C, C])
    assert (all_wins.value, all_wins.ci_low, all_wins.ci_high) == (1.0, 1.0, 1.0)
    nothing = win_rate_with_ci([None, None])
    assert math.isnan(nothing.value) and nothing.abstained == 2


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
