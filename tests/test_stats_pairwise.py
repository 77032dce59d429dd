"""Pairwise win rate, SEM and paired comparison against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from jury.records import Preference
from jury.stats.pairwise import paired_comparison_scores, win_rate_scores
from jury.stats.winrate import win_rate_with_ci


def test_win_rate_sem_and_discrete_rate_by_hand():
    w = win_rate_scores([1.0, 1.0, 0.5, 0.0, 0.9, 0.2])
    # by hand: mean = 3.6 / 6, discrete = (3 wins + 0.5 * 1 draw) / 6
    assert w.value == pytest.approx(0.6)
    sd = math.sqrt(sum((x - 0.6) ** 2 for x in [1.0, 1.0, 0.5, 0.0, 0.9, 0.2]) / 5)
    assert w.standard_error == pytest.approx(sd / math.sqrt(6))
    assert (w.n_wins, w.n_draws, w.n_losses) == (3, 1, 2)
    assert w.discrete_value == pytest.approx(3.5 / 6)
    assert w.ci_low < w.value < w.ci_high


def test_win_rate_refuses_nan_and_out_of_range_scores():
    with pytest.raises(ValueError, match="abstentions"):
        win_rate_scores([1.0, float("nan")])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        win_rate_scores([1.5])


def test_existing_win_rate_reports_the_sample_sem():
    w = win_rate_with_ci([Preference.CANDIDATE, Preference.TIE, Preference.BASELINE, Preference.CANDIDATE])
    x = np.array([1, 0.5, 0, 1])
    assert w.standard_error == pytest.approx(x.std(ddof=1) / 2)


def test_paired_comparison_by_hand_and_degenerate_cases():
    a = [0.0, 0.5, 1.0, 0.0, 0.5]
    b = [1.0, 0.5, 1.0, 0.5, 1.0]
    cmp = paired_comparison_scores(a, b, n_resamples=1000)
    d = np.array(b) - np.array(a)  # [1, 0, 0, 0.5, 0.5]
    assert cmp.mean_difference == pytest.approx(0.4)
    assert cmp.standard_error == pytest.approx(d.std(ddof=1) / math.sqrt(5))
    assert (cmp.b_better, cmp.a_better) == (3, 0)
    # by hand: t = 0.4 / sqrt(0.175 / 5) = 2.1381 on 4 degrees of freedom, two-sided p = 2 P(T_4 > t) = 0.0993
    assert cmp.t_statistic == pytest.approx(0.4 / math.sqrt(0.175 / 5), rel=1e-12)
    assert cmp.p_value == pytest.approx(2 * stats.t.sf(0.4 / math.sqrt(0.175 / 5), df=4), rel=1e-9)
    assert cmp.p_value == pytest.approx(0.09930, abs=1e-5)
    same = paired_comparison_scores(a, a)
    assert (same.mean_difference, same.p_value) == (0.0, 1.0)
    with pytest.raises(ValueError, match="same items"):
        paired_comparison_scores([1.0], [1.0, 0.0])


@pytest.mark.parametrize("seed", range(5))
def test_paired_t_and_p_match_statsmodels_on_the_differences(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    a = rng.choice([0.0, 0.5, 1.0], n, p=[0.4, 0.2, 0.4])
    b = np.clip(a + rng.choice([-1.0, -0.5, 0.0, 0.5], n), 0, 1)  # B worse on average: negative t
    cmp = paired_comparison_scores(a, b, n_resamples=200)
    t, p, df = DescrStatsW(b - a).ttest_mean(0.0)  # statsmodels' one-sample t-test, two-sided
    assert (cmp.t_statistic, cmp.p_value, cmp.n) == (pytest.approx(t, rel=1e-9), pytest.approx(p, rel=1e-9), df + 1)
