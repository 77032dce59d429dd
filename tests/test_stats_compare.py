"""The CI gate asks a one-sided question (is B worse than A?) and answers it at the stated level."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from jury.records import Preference, Vote
from jury.stats.compare import regression_test

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _votes(outcomes: list[Preference | None]) -> list[Vote]:
    return [Vote(f"q{k}", o, {}) for k, o in enumerate(outcomes)]


A_RUN = [C, C, T, C, B, C, C, T, C, C, C, T, C, B]
B_RUN = [B, B, B, C, C, T, B, C, T, C, T, B, C, B]


def test_one_sided_p_and_upper_bound_match_scipy_and_a_hand_t_bound():
    r = regression_test(_votes(A_RUN), _votes(B_RUN), alpha=0.05)
    a = np.array([o.score for o in A_RUN])
    b = np.array([o.score for o in B_RUN])
    d = b - a
    assert r.p_value == pytest.approx(stats.ttest_rel(b, a, alternative="less").pvalue, rel=1e-12)
    se = d.std(ddof=1) / math.sqrt(d.size)
    assert r.upper_bound == pytest.approx(d.mean() + stats.t.ppf(0.95, d.size - 1) * se, rel=1e-12)
    assert (r.n, r.b_better, r.a_better) == (14, 2, 8)
    # the gate fails exactly when the one-sided bound is below zero
    assert r.b_significantly_worse == (r.upper_bound < 0)


def test_the_level_is_alpha_not_half_of_it():
    """A two-sided p compared with alpha = 0.05 would need p/2 < 0.025: this regression (one-sided p in
    (0.025, 0.05)) is caught at the stated level only by the one-sided test."""
    r = regression_test(_votes(A_RUN), _votes(B_RUN), alpha=0.05)
    two_sided = stats.ttest_rel([o.score for o in B_RUN], [o.score for o in A_RUN]).pvalue
    assert 0.025 < r.p_value < 0.05 and two_sided > 0.05
    assert r.b_significantly_worse


def test_b_better_never_fails_and_too_few_shared_items_is_a_value_error():
    assert not regression_test(_votes(B_RUN), _votes(A_RUN)).b_significantly_worse
    with pytest.raises(ValueError, match="at least two shared items"):
        regression_test(_votes([C]), _votes([B]))
    with pytest.raises(ValueError, match="alpha"):
        regression_test(_votes(A_RUN), _votes(B_RUN), alpha=1.5)


def test_abstentions_are_left_out_of_the_pairs():
    a = [*A_RUN, None]
    b = [*B_RUN, C]
    r = regression_test(_votes(a), _votes(b))
    assert (r.n, r.only_in_a, r.only_in_b) == (14, 0, 1)
