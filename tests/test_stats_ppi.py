"""Human-anchored win rate (PPI++): against the authors' ppi-python, hand computations, exact enumeration of a
stratified design, statsmodels' cluster-robust variance, and scipy's kurtosis; degenerate cases and bad inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from jury.records import Preference
from jury.stats.ppi import human_anchored_win_rate, panel_predictions, ppi_mean
from jury.stats.ppi_stratified import StratifiedLabels, _excess_kurtosis, _unseen_bound


def _random_case(seed: int, slope: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice([0.0, 0.5, 1.0], size=40)
    f = np.clip(0.5 + slope * (y - 0.5) + rng.normal(0, 0.2, 40), 0, 1)
    f_unlabelled = np.clip(rng.normal(0.55, 0.25, 300), 0, 1)
    return y, f, f_unlabelled


def _reference_lam(ppi, y, f, f_unlabelled, clip):
    """ppi-python's own lam, fed the gradients its ppi_mean_ci builds."""
    centre = ppi.ppi_mean_pointestimate(y, f, f_unlabelled, lam=1)
    return float(ppi._calc_lam_glm(y - centre, f - centre, f_unlabelled - centre, np.eye(1), clip=clip))


@pytest.mark.parametrize(("seed", "slope"), [(0, 0.8), (1, 0.2), (2, -0.6), (3, 0.3)])
def test_ppi_mean_matches_ppi_python(seed, slope):
    ppi = pytest.importorskip("ppi_py.ppi")
    y, f, f_u = _random_case(seed, slope)
    ours = ppi_mean(y, f, f_u)
    assert ours.lam == pytest.approx(_reference_lam(ppi, y, f, f_u, clip=True), abs=1e-9)
    assert ours.estimate == pytest.approx(float(ppi.ppi_mean_pointestimate(y, f, f_u).item()), abs=1e-9)
    low, high = ppi.ppi_mean_ci(y, f, f_u, alpha=0.1)
    assert ours.standard_error == pytest.approx(float((high - low).item()) / (2 * stats.norm.ppf(0.95)), abs=1e-9)
    free = ppi_mean(y, f, f_u, clip=False)  # unclipped lam: ppi-python's _calc_lam_glm(clip=False)
    assert free.lam == pytest.approx(_reference_lam(ppi, y, f, f_u, clip=False), abs=1e-9)
    assert free.estimate == pytest.approx(float(ppi.ppi_mean_pointestimate(y, f, f_u, lam=free.lam).item()), abs=1e-9)
    fixed = ppi_mean(y, f, f_u, lam=0.3)
    low, high = ppi.ppi_mean_ci(y, f, f_u, alpha=0.1, lam=0.3)
    assert fixed.standard_error == pytest.approx(float((high - low).item()) / (2 * stats.norm.ppf(0.95)), abs=1e-9)


def test_ppi_mean_clips_lam_as_ppi_python_does():
    y, f, f_u = _random_case(2, -0.6)  # anti-correlated panel: the tuned lam is negative
    assert ppi_mean(y, f, f_u).lam == 0.0
    assert ppi_mean(y, f, f_u, clip=False).lam < 0


def test_ppi_mean_by_hand():
    y, f, f_u = [1, 0, 1, 1], [1, 0, 0, 1], [1, 1, 1, 0, 1, 0]
    # cov0(y, f) = 1/8; var1 of the 10 pooled predictions (6 ones) = 4/15; lam = (1/8) / ((1 + 4/6) * 4/15)
    r = ppi_mean(y, f, f_u)
    assert r.lam == pytest.approx(9 / 32, abs=1e-15)
    assert r.estimate == pytest.approx(3 / 4 + (9 / 32) * (2 / 3 - 1 / 2), abs=1e-15)
    # lam^2 var0(f_u) / 6 = 3/1024; rectifier [23/32, 0, 1, 23/32]: var0 = 561/4096, over 4
    assert r.standard_error == pytest.approx(np.sqrt(3 / 1024 + 561 / 16384), abs=1e-15)
    assert ppi_mean([1, 0], [0.5, 0.5], [0.5, 0.5]).lam == 0.0  # predictions never vary: lam 0, not nan


HAND_F = [1, 1, 0.5, 0, 0, 1]  # six units; F = 7/12


def test_run_estimate_by_hand():
    r = human_anchored_win_rate(HAND_F, None, [0, 2, 3], [1, 1, 0], [0.5] * 3)
    # labelled (f, y) = (1, 1), (.5, 1), (0, 0): slope 1; estimate 7/12 + mean(0, .5, 0)
    assert (r.lam, r.estimate) == (pytest.approx(1.0), pytest.approx(0.75))
    # jackknife refits: drop unit 0 -> slope 2, 14/12; unit 2 -> slope 1, 7/12; unit 3 -> slope 0, 1.
    # (1 - 3/6) * (2/3) * sum of squared deviations from their mean 11/12 (26/144)
    assert r.standard_error == pytest.approx(np.sqrt(0.5 * (2 / 3) * 26 / 144), abs=1e-12)
    assert r.df == 2  # three values: no kurtosis to estimate, G - 1
    assert (r.ci_low, r.ci_high) == (0.0, 1.0)  # 0.75 -/+ 4.30 * 0.245, clipped
    assert r.humans_estimate == pytest.approx(2 / 3)
    assert r.humans_standard_error == pytest.approx(np.sqrt(0.5 * (1 / 3) / 3), abs=1e-12)  # (1-f) s^2 / n
    assert (r.n_labels, r.n_clusters, r.n_units, r.n_strata, r.note) == (3, 3, 6, 1, "")
    fixed = human_anchored_win_rate(HAND_F, None, [0, 2, 3], [1, 1, 0], [0.5] * 3, lam=1.0)
    assert fixed.standard_error == pytest.approx(np.sqrt(0.5 * (1 / 12) / 3), abs=1e-12)  # s^2 of (0, .5, 0)


def test_labels_worth_is_n_times_squared_width_ratio():
    rng = np.random.default_rng(5)
    f = rng.choice([0.0, 0.5, 1.0], size=300)
    units = rng.permutation(300)[:60]
    y = np.where(rng.random(60) < 0.8, f[units], 1 - f[units])
    r = human_anchored_win_rate(f, None, units, y, [0.2] * 60)
    ratio = (r.humans_ci_high - r.humans_ci_low) / (r.ci_high - r.ci_low)
    assert r.labels_worth == pytest.approx(60 * ratio**2)
    assert r.labels_worth > 60  # an 80%-right panel is worth more labels than it costs


# Two strata whose sizes and label counts a disagreement plan would give; fractional human scores (several
# labellers averaged) so that no sample shows a constant rectifier.
POP_F = np.array([1, 0.5, 0, 1, 0.5, 0.9, 0.1, 0.6, 0.3])
POP_Y = np.array([1, 0.75, 0, 0.5, 0.25, 1, 0.5, 0.25, 0.0])
POP_STRATUM = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
TAKE = {0: 3, 1: 2}


def _enumerate_samples():
    stratum = POP_STRATUM
    strata = [np.flatnonzero(stratum == h) for h in (0, 1)]
    for a, b in itertools.product(*(itertools.combinations(s, TAKE[h]) for h, s in enumerate(strata))):
        yield np.array(a + b)


@pytest.mark.parametrize("lam", [0.0, 0.6, 1.3])
def test_stratified_estimate_is_unbiased_and_its_variance_too_by_enumeration(lam):
    estimates, variances, stratum = [], [], POP_STRATUM
    for units in _enumerate_samples():  # all 10 * 6 stratified samples, equally likely
        pi = [TAKE[h] / np.sum(stratum == h) for h in stratum[units]]
        r = human_anchored_win_rate(POP_F, None, units, POP_Y[units], pi, strata=POP_STRATUM[units], lam=lam)
        assert r.note == ""
        estimates.append(r.estimate)
        variances.append(r.standard_error**2)
    assert len(estimates) == 60
    assert np.mean(estimates) == pytest.approx(POP_Y.mean(), abs=1e-12)
    assert np.mean(variances) == pytest.approx(np.var(estimates), abs=1e-12)


def test_cluster_variance_matches_statsmodels_cluster_robust_ols_of_a_constant():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(11)
    conversations = np.repeat(np.arange(100), 2)  # 200 units, two turns each
    f = rng.choice([0.0, 0.5, 1.0], size=200)
    chosen = rng.permutation(100)[:30]
    units = np.concatenate([np.flatnonzero(conversations == c) for c in chosen])
    y = np.clip(f[units] + rng.choice([-0.5, 0, 0, 0.5], size=60), 0, 1)
    for lam in (0.0, 0.6):
        r = human_anchored_win_rate(f, conversations, units, y, [0.3] * 60, lam=lam)
        fit = sm.OLS(y - lam * f[units], np.ones(60)).fit(cov_type="cluster", cov_kwds={"groups": conversations[units]})
        assert r.standard_error**2 == pytest.approx((1 - 60 / 200) * fit.bse[0] ** 2, rel=1e-10)
        assert r.n_clusters == 30


def test_degrees_of_freedom_follow_the_kurtosis_of_the_labels():
    rng = np.random.default_rng(3)
    f = rng.random(400)
    units = rng.permutation(400)[:25]
    y = np.where(np.arange(25) < 3, 1.0, 0.0)  # mostly 0: heavy-tailed, few effective degrees of freedom
    r = human_anchored_win_rate(f, None, units, y, [25 / 400] * 25)
    kappa = stats.kurtosis(y, fisher=True, bias=False)
    assert r.humans_df == pytest.approx(2 / (2 / 24 + kappa / 25))
    assert r.humans_df < 10
    x = rng.normal(size=30) ** 3
    assert _excess_kurtosis(x) == pytest.approx(stats.kurtosis(x, fisher=True, bias=False), rel=1e-12)


def test_all_labels_equal_give_the_no_disagreement_bound_not_a_point():
    f = np.linspace(0, 1, 200)
    r = human_anchored_win_rate(f, None, np.arange(0, 200, 10), np.ones(20), [0.1] * 20)
    q = 1 - 0.05 ** (1 / 20)  # P(20 draws all 1 | a share q of units below 1) <= (1 - q)^20 = 5%
    assert r.lam == 0.0 and r.estimate == 1.0
    assert (r.ci_low, r.ci_high) == (pytest.approx(1 - q), 1.0)
    assert (r.humans_ci_low, r.humans_ci_high) == (pytest.approx(1 - q), 1.0)
    assert "bounded" in r.note


def test_a_panel_perfect_on_the_labels_still_gets_a_width():
    f = np.tile([0.0, 0.5, 1.0, 1.0], 50)
    units = np.arange(0, 200, 7)
    r = human_anchored_win_rate(f, None, units, f[units], [units.size / 200] * units.size)
    q = 1 - 0.05 ** (1 / units.size)
    assert r.lam == pytest.approx(1.0) and r.estimate == pytest.approx(f.mean())
    assert (r.ci_low, r.ci_high) == (pytest.approx(f.mean() - q), pytest.approx(f.mean() + q))


def test_a_single_label_and_a_census():
    f = np.array([1.0, 0.0, 0.5, 1.0])
    one = human_anchored_win_rate(f, None, [2], [1.0], [0.25])
    assert one.estimate == 1.0 and one.ci_high - one.ci_low > 0.9  # one label says almost nothing
    y = np.array([1.0, 0.5, 0.0, 1.0])
    census = human_anchored_win_rate(f, None, [0, 1, 2, 3], y, [1.0] * 4)
    assert census.estimate == pytest.approx(y.mean())
    assert census.ci_low == census.ci_high == pytest.approx(y.mean())  # everything labelled: exact


def test_constant_predictions_fall_back_to_the_humans():
    units = np.arange(0, 100, 4)
    y = np.tile([0.0, 1.0, 0.5, 1.0, 1.0], 5)
    r = human_anchored_win_rate(np.full(100, 0.5), None, units, y, [0.25] * 25)
    assert r.lam == 0.0
    assert (r.estimate, r.ci_low, r.ci_high) == (r.humans_estimate, r.humans_ci_low, r.humans_ci_high)


def test_turns_that_cancel_in_every_conversation_fall_back_to_the_unit_jackknife():
    """Real case (MT-Bench, 20 labels): every f = 1 unit has y = 1, and the f = 1/2 units' means are 3/4 per
    conversation (one conversation's turns 2/3 and 5/6): deleting conversations shows no spread, units do."""
    f = np.tile([0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 0, 1], 10)
    clusters = np.repeat(np.arange(50), 2)
    units = np.array([0, 1, 12, 3, 4, 5, 6, 7, 9, 13, 14, 15])  # units 0, 1: one conversation
    y = np.array([2 / 3, 5 / 6, 0.75] + [1.0] * 9)
    pi = [units.size / 100] * units.size
    clustered = human_anchored_win_rate(f, clusters, units, y, pi)
    alone = human_anchored_win_rate(f, None, units, y, pi)
    assert clustered.standard_error > 0.001
    assert clustered.standard_error == pytest.approx(alone.standard_error, rel=1e-9)
    assert (clustered.ci_low, clustered.ci_high) == (pytest.approx(alone.ci_low), pytest.approx(alone.ci_high))


def test_a_stratum_without_any_estimated_spread_is_bounded_over_its_whole_range():
    labels = StratifiedLabels(
        human=np.array([0.0, 1.0]),
        predicted=np.array([0.2, 0.8]),
        stratum=np.array([0, 0]),
        cluster=np.array([0, 0]),
        stratum_sizes=np.array([4.0]),
        panel_mean=0.5,
        prediction_range=(0.0, 1.0),
    )
    rectifier = labels.human - 0.5 * labels.predicted  # -0.1 and 0.6: spread, so no share bound applies
    low, high = _unseen_bound(labels, 0.5, rectifier, 0, 0.05)
    assert (low, high) == (pytest.approx(-0.5 - 0.25), pytest.approx(1.0 - 0.25))  # [-lam, 1] minus the mean


def test_panel_predictions():
    got = panel_predictions([Preference.CANDIDATE, Preference.TIE, Preference.BASELINE, None])
    assert got.tolist() == [1.0, 0.5, 0.0, 0.5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"human": [1.0]}, "labelled units"),
        ({"inclusion": [0.5, 0.0]}, r"\(0, 1\]"),
        ({"inclusion": [0.5, 1.5]}, r"\(0, 1\]"),
        ({"inclusion": [0.5, 0.25]}, "unequal inclusion"),
        ({"inclusion": [0.3, 0.3]}, "whole number"),
        ({"inclusion": [1.0, 1.0]}, "imply 2 units"),
        ({"labelled": [0, 0]}, "twice"),
        ({"labelled": [0, 4]}, "indices"),
        ({"human": [1.0, 1.5]}, r"\[0, 1\]"),
        ({"predictions": [0.1, np.nan, 0.3, 0.4]}, r"\[0, 1\]"),
        ({"clusters": ["a", "b"]}, "cluster ids"),
        ({"labelled": [], "human": [], "inclusion": []}, "no labelled"),
        ({"confidence": 1.0}, "confidence"),
        ({"strata": [0]}, "labelled units"),
        ({"clusters": ["a", "a", "b", "b"], "strata": [0, 1], "inclusion": [0.5, 0.5]}, "different strata"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    arguments = {"predictions": [0.1, 0.2, 0.3, 0.4], "clusters": None, "labelled": [0, 1], "human": [1.0, 0.0]}
    arguments |= {"inclusion": [0.5, 0.5]} | kwargs
    with pytest.raises(ValueError, match=message):
        human_anchored_win_rate(**arguments)


def test_ppi_mean_bad_arguments_raise():
    with pytest.raises(ValueError, match="equal-length"):
        ppi_mean([1, 0, 1], [1, 0], [0.5, 0.5])
    with pytest.raises(ValueError, match="at least 2"):
        ppi_mean([1], [1], [0.5, 0.5])
    with pytest.raises(ValueError, match="finite"):
        ppi_mean([1, np.nan], [1, 0], [0.5, 0.5])
