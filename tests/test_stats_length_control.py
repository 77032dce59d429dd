"""Length-controlled win rate: a hand case, and the published AlpacaEval 2.0 column within 1.5 points MAE."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jury.stats.length_control import length_controlled_win_rate
from tests.conftest import SHARED_DATA

AE = SHARED_DATA / "alpaca_eval"
NAME = "weighted_alpaca_eval_gpt4_turbo"


def test_without_length_or_difficulty_signal_the_corrected_rate_is_the_raw_rate():
    # by hand: an intercept-only logistic fit predicts the sample mean (its score equation is sum(y - p) = 0)
    scores = np.array([1, 0, 1, 1, 0.5, 0.2, 0.9, 1])
    lc = length_controlled_win_rate(scores, [100] * 8, [100] * 8, [0.0] * 8)
    assert lc.value == pytest.approx(scores.mean(), abs=1e-9)
    assert lc.raw_value == pytest.approx(scores.mean())


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_longer_wins_are_discounted():
    rng = np.random.default_rng(0)
    delta = rng.normal(300, 500, 2000)  # the candidate writes longer answers
    # the judge only rewards length: at equal length the candidate is as good as the baseline
    scores = 1 / (1 + np.exp(-np.tanh(delta / delta.std(ddof=1)) * 2))
    lc = length_controlled_win_rate(scores, 1000 + delta, np.full(2000, 1000.0), rng.normal(0, 1, 2000))
    assert lc.raw_value > 0.6
    assert lc.value == pytest.approx(0.5, abs=0.02)
    assert lc.length_weight > 0


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="one value per item"):
        length_controlled_win_rate([1, 0], [1], [1, 2], [0, 0])


@pytest.fixture(scope="module")
def alpaca_eval_2():
    if not (AE / f"annotations_{NAME}.jsonl.gz").exists():
        pytest.skip("shared AlpacaEval data is absent")
    annotations = pd.read_json(AE / f"annotations_{NAME}.jsonl.gz", lines=True)
    annotations = annotations[annotations["preference"].between(1, 2)]  # boundary: 1 baseline .. 2 model
    difficulty = pd.read_csv(AE / "instruction_difficulty_hat.csv", index_col=0).squeeze("columns")
    leaderboard = pd.read_csv(AE / f"leaderboard_{NAME}.csv", index_col=0)
    return annotations, difficulty, leaderboard


def test_published_length_controlled_column_within_1_5_points_mae(alpaca_eval_2):
    annotations, difficulty, leaderboard = alpaca_eval_2
    errors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the baseline against itself has no length signal at all
        for model, rows in annotations.groupby("generator_2"):
            if model not in leaderboard.index:
                continue
            lc = length_controlled_win_rate(
                rows["preference"] - 1, rows["len_2"], rows["len_1"], difficulty.loc[rows["eval_idx"]].to_numpy()
            )
            errors[model] = lc.value * 100 - leaderboard.loc[model, "length_controlled_winrate"]
    errors = pd.Series(errors)
    assert len(errors) == 57
    assert errors.abs().mean() < 1.5
    # the fit is a real correction: closer to the published LC column than the raw win rate is
    raw = leaderboard.loc[errors.index, "win_rate"] - leaderboard.loc[errors.index, "length_controlled_winrate"]
    assert errors.abs().mean() < raw.abs().mean() / 2


def test_delta_method_standard_error_matches_a_bootstrap_of_the_fit():
    rng = np.random.default_rng(4)
    n = 600
    delta = rng.normal(200, 600, n)
    difficulty = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-(0.3 + 1.5 * np.tanh(delta / 600) - 0.8 * difficulty)))
    scores = (rng.random(n) < p).astype(float)
    base = np.full(n, 1000.0)
    lc = length_controlled_win_rate(scores, base + delta, base, difficulty)
    # independent reference: refit on 150 item resamples and take the spread
    boot = []
    for _ in range(150):
        i = rng.integers(0, n, n)
        boot.append(length_controlled_win_rate(scores[i], base[i] + delta[i], base[i], difficulty[i]).value)
    assert lc.standard_error == pytest.approx(np.std(boot, ddof=1), rel=0.2)


def test_clustered_standard_error_of_copied_turns_is_the_robust_error_of_one_copy():
    """Each item judged twice identically (turn 2 = turn 1): the point estimate does not move, the
    plain standard error shrinks by sqrt(2), and the cluster-robust one equals the original data's
    heteroskedasticity-robust (HC0) error times statsmodels' small-sample factor."""
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    n = 150
    cand, base = rng.integers(200, 2000, n), rng.integers(200, 2000, n)
    scores = np.clip(0.5 + (cand - base) / 4000 + rng.normal(0, 0.3, n), 0, 1)
    zero = np.zeros(n)
    one = length_controlled_win_rate(scores, cand, base, zero)
    twice = np.r_[scores, scores], np.r_[cand, cand], np.r_[base, base]
    plain = length_controlled_win_rate(*twice, np.zeros(2 * n))
    clustered = length_controlled_win_rate(*twice, np.zeros(2 * n), clusters=list(range(n)) * 2)
    # (the length spread of the copied data differs from one copy's by the ddof correction only)
    assert clustered.value == plain.value == pytest.approx(one.value, rel=1e-4)
    assert plain.standard_error == pytest.approx(one.standard_error / 2**0.5, rel=1e-3)
    # the same delta-method gradient, with the original data's HC0 covariance (on the copies' scale)
    delta = cand - base
    x = np.column_stack([np.tanh(delta / np.r_[delta, delta].std(ddof=1)), np.ones(n)])
    hc0 = sm.GLM(scores, x, family=sm.families.Binomial()).fit(cov_type="HC0")
    at_equal = x.copy()
    at_equal[:, 0] = 0
    p = 1 / (1 + np.exp(-(at_equal @ hc0.params)))
    g = ((p * (1 - p))[:, None] * at_equal).mean(axis=0)
    factor = n / (n - 1) * (2 * n - 1) / (2 * n - 2)  # clusters G/(G-1) times (N-1)/(N-K), K = 2
    assert clustered.standard_error == pytest.approx(float(np.sqrt(g @ hc0.cov_params() @ g * factor)), rel=1e-4)
