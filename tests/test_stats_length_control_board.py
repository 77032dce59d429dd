"""Length control over a board: the runaway of a terse model, each fit against statsmodels or a hand
computation, the two safeguards, bad input, and the published AlpacaEval 2.0 column from verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jury.stats.length_control import LengthFit, bounded, change_limits, fit_length_glm, length_controlled_win_rate
from jury.stats.length_control_board import (
    DIFFICULTY_SD,
    WEAK_SD,
    board_length_controlled,
    instruction_difficulty,
    pooled_prior,
)
from jury.stats.penalised_logit import fit_logit, sandwich_covariance
from tests.conftest import SHARED_DATA
from tests.lc_fixtures import glm_board

AE = SHARED_DATA / "alpaca_eval"
NAME = "weighted_alpaca_eval_gpt4_turbo"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("seed", range(5))
def test_a_terse_model_that_loses_almost_everything_gets_no_runaway_rate(seed):
    battles, truth = glm_board(seed)
    terse = battles[battles["model"] == "terse"]
    # the trap is real: fitted alone, without instruction difficulty, the rate runs to 3x the truth
    alone = length_controlled_win_rate(
        terse["score"], terse["candidate_length"], terse["baseline_length"], np.zeros(len(terse))
    )
    assert alone.value > 0.25 > 2 * truth["terse"]
    board = board_length_controlled(battles)
    assert terse["score"].mean() < 0.15
    assert board.rates["terse"].value < 0.2
    assert board.rates["terse"].value == pytest.approx(truth["terse"], abs=0.06)


def test_the_logistic_fit_matches_statsmodels_with_and_without_a_prior():
    rng = np.random.default_rng(1)
    n = 300
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = np.clip(1 / (1 + np.exp(-(x @ [0.3, 1.0, -0.5]))) + rng.normal(0, 0.2, n), 0, 1)
    plain = fit_logit(x, y)
    reference = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(plain.params, reference.params, rtol=1e-8)
    np.testing.assert_allclose(sandwich_covariance(x, y, plain, None), reference.cov_params(), rtol=1e-5)
    clusters = rng.integers(0, 60, n)
    robust = sm.GLM(y, x, family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    np.testing.assert_allclose(sandwich_covariance(x, y, plain, list(clusters)), robust.cov_params(), rtol=1e-5)
    # Gaussian priors N(mean, 1/precision): statsmodels' ridge (alpha * n = precision) around an offset
    precision, mean = np.array([0.0, 4.0, 9.0]), np.array([0.0, 2.0, 0.0])
    prior = fit_logit(x, y, precision, mean)
    ridge = sm.GLM(y, x, family=sm.families.Binomial(), offset=x @ mean).fit_regularized(alpha=precision / n, L1_wt=0)
    np.testing.assert_allclose(prior.params, ridge.params + mean, atol=1e-5)
    assert abs(prior.params[1] - mean[1]) < abs(plain.params[1] - mean[1])  # pulled towards the prior


def test_instruction_difficulty_is_the_joint_fit_statsmodels_gives():
    battles, _ = glm_board(3, n_items=12)
    battles = battles[battles["model"].isin(["long", "even", "short", "weak"])].reset_index(drop=True)
    difficulty = instruction_difficulty(battles)
    # the same design by hand, dense: per-model quality and length weight, per-item effect
    models, items = sorted(battles["model"].unique()), list(pd.unique(battles["item"]))
    t = np.zeros(len(battles))
    for m in models:
        rows = battles["model"] == m
        delta = battles.loc[rows, "candidate_length"] - battles.loc[rows, "baseline_length"]
        t[rows.to_numpy()] = np.tanh(delta / delta.std(ddof=1))
    x = np.column_stack(
        [(battles["model"] == m).to_numpy(float) for m in models]
        + [(battles["model"] == m).to_numpy(float) * t for m in models]
        + [(battles["item"] == i).to_numpy(float) for i in items]
    )
    precision = np.r_[np.full(2 * len(models), WEAK_SD**-2), np.full(len(items), DIFFICULTY_SD**-2)]
    glm = sm.GLM(battles["score"].to_numpy(), x, family=sm.families.Binomial())
    reference = glm.fit_regularized(alpha=precision / len(battles), L1_wt=0)
    # statsmodels' coordinate descent stops with gradients near 4e-4; a wrong prior SD or design is ~1e-2 off
    np.testing.assert_allclose(difficulty.loc[items], reference.params[2 * len(models) :], atol=1e-3)


def _fit(estimates: tuple[float, float], variances: tuple[float, float]) -> LengthFit:
    params = np.array([0.0, *estimates])
    return LengthFit(params, np.diag([1.0, *variances]), 0.5, 0.01, 0.5, 100)


def test_pooled_prior_is_dersimonian_laird_by_hand():
    fits = {"a": _fit((1.0, 1.0), (0.1, 0.1)), "b": _fit((2.0, 1.1), (0.2, 0.2)), "c": _fit((3.0, 0.9), (0.1, 0.3))}
    prior = pooled_prior(fits)
    # length: w = 10, 5, 10; fixed-effect mean 2.0; Q = 10 + 0 + 10 = 20; C = 25 - 225/25 = 16;
    # tau^2 = (Q - 2) / C = 1.125; random-effects weights 1/1.225, 1/1.325, 1/1.225
    w = np.array([1 / 1.225, 1 / 1.325, 1 / 1.225])
    assert prior.length_mean == pytest.approx((w @ [1.0, 2.0, 3.0]) / w.sum())
    assert prior.length_sd == pytest.approx(np.sqrt(1.125))
    # difficulty: Q < k - 1, so tau^2 = 0 (truncated) and the mean is the fixed-effect one
    w = np.array([10.0, 5.0, 1 / 0.3])
    assert prior.difficulty_mean == pytest.approx((w @ [1.0, 1.1, 0.9]) / w.sum())
    assert prior.difficulty_sd == pytest.approx(1e-3)
    assert pooled_prior({"a": fits["a"]}) is None  # one model: nothing to pool


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_no_rate_moves_further_than_the_pooled_length_weight_moves_it():
    battles, _ = glm_board(0)
    board = board_length_controlled(battles)
    assert board.prior is not None and board.note == ""
    capped = 0
    for model, rows in battles.groupby("model"):
        t = np.tanh(
            (rows["candidate_length"] - rows["baseline_length"])
            / (rows["candidate_length"] - rows["baseline_length"]).std()
        )
        diff = board.difficulty.loc[rows["item"]].to_numpy()
        pinned = fit_length_glm(rows["score"], t, diff, list(rows["cluster"]), board.prior, board.prior.length_mean)
        lc = board.rates[model]
        assert abs(lc.value - lc.raw_value) <= abs(pinned.value - pinned.raw_value) + 1e-9
        capped += "capped" in lc.note
    assert capped > 0  # the rule binds on this board


def test_extreme_changes_are_held_at_alpacaevals_limits():
    assert change_limits(0.5) == pytest.approx((0.375, 0.625))
    assert change_limits(0.04) == pytest.approx((-0.06, 0.28))  # at most 10 points, or a quarter of the rest
    runaway = LengthFit(np.array([0.8, 9.0, 0.0]), np.eye(3), value=0.69, standard_error=0.05, raw_value=0.04, n=805)
    lc = bounded(runaway)
    assert lc.value == pytest.approx(0.28) and "extreme-change" in lc.note
    assert bounded(LengthFit(np.zeros(3), np.eye(3), 0.2, 0.05, 0.1, 805)).note == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.drop(columns="cluster"), "missing"),
        (lambda b: b.assign(score=b["score"] * 2), r"\[0, 1\]"),
        (lambda b: b.assign(candidate_length=np.nan), "finite"),
        (lambda b: pd.concat([b, b.iloc[:1]]), "two verdicts"),
    ],
)
def test_bad_battles_are_refused(change, message):
    battles, _ = glm_board(0, n_items=10)
    with pytest.raises(ValueError, match=message):
        board_length_controlled(change(battles))


def test_a_model_that_wins_everything_fails_alone_and_the_rest_are_rated():
    battles, _ = glm_board(0, n_items=30)
    battles.loc[battles["model"] == "good", "score"] = 1.0
    rows = battles[battles["model"] == "good"]
    with pytest.raises(RuntimeError, match="did not converge"):
        fit_length_glm(rows["score"], np.linspace(-1, 1, len(rows)), np.zeros(len(rows)))
    board = board_length_controlled(battles)
    assert set(board.failures) == {"good"} and len(board.rates) == 6


def test_a_board_of_one_model_has_no_difficulty_and_no_prior():
    battles, _ = glm_board(0, n_items=30)
    mine = battles[battles["model"] == "long"]
    board = board_length_controlled(mine)
    assert (board.difficulty == 0).all() and "2+ models" in board.note and board.prior is None
    alone = length_controlled_win_rate(mine["score"], mine["candidate_length"], mine["baseline_length"], [0.0] * 30)
    assert board.rates["long"] == alone


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_turns_of_one_conversation_share_a_cluster():
    """Every verdict twice (two identical turns): with the turns clustered the standard errors are
    about sqrt(2) larger than when the copies pass for independent items (robust and model-based
    errors differ a little, and a model may be capped in one fit and not the other: the median)."""
    battles, _ = glm_board(1)
    twice = pd.concat([battles, battles.assign(item=battles["item"] + "#2")], ignore_index=True)
    clustered = board_length_controlled(twice)
    independent = board_length_controlled(twice.assign(cluster=twice["cluster"] + twice["item"]))
    ratio = np.array([clustered.rates[m].standard_error / independent.rates[m].standard_error for m in clustered.rates])
    assert 1.2 < np.median(ratio) < 1.6, ratio


def test_the_standard_error_counts_the_spread_of_the_rate_over_instructions():
    """With strong instruction difficulty the LC rate is an average of very different per-instruction
    rates over a sample of instructions: its error includes that sampling, as a bootstrap of the
    instructions shows (the fit's delta-method term alone is 23% short here)."""
    rng = np.random.default_rng(0)
    n = 400
    delta, difficulty = rng.normal(200, 600, n), rng.normal(0, 2, n)
    scores = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + np.tanh(delta / 600) + difficulty)))).astype(float)
    base = np.full(n, 1000.0)
    lc = length_controlled_win_rate(scores, base + delta, base, difficulty)
    boot = []
    for _ in range(300):
        i = rng.integers(0, n, n)
        boot.append(length_controlled_win_rate(scores[i], base[i] + delta[i], base[i], difficulty[i]).value)
    assert lc.standard_error == pytest.approx(np.std(boot, ddof=1), rel=0.1)


@pytest.fixture(scope="module")
def alpaca_eval_2_verdicts():
    if not (AE / f"annotations_{NAME}.jsonl.gz").exists():
        pytest.skip("shared AlpacaEval data is absent")
    annotations = pd.read_json(AE / f"annotations_{NAME}.jsonl.gz", lines=True)
    published = pd.read_csv(AE / f"leaderboard_{NAME}.csv", index_col=0)
    complete = annotations.groupby("generator_2")["preference"].apply(lambda p: len(p) == 805 and p.between(1, 2).all())
    keep = [m for m in complete.index[complete] if m in published.index and m != "gpt4_1106_preview"]
    rows = annotations[annotations["generator_2"].isin(keep)]
    p = rows["preference"]
    battles = pd.DataFrame(
        {
            "model": rows["generator_2"],
            "item": rows["eval_idx"],
            "score": np.where(p > 1.5, 1.0, np.where(p < 1.5, 0.0, 0.5)),  # the judge's verdict, as a board gets it
            "candidate_length": rows["len_2"],
            "baseline_length": rows["len_1"],
            "cluster": rows["generator_2"] + "/" + rows["eval_idx"].astype(str),
        }
    )
    return battles, published["length_controlled_winrate"]


def test_the_board_reproduces_the_published_length_controlled_column_from_verdicts(alpaca_eval_2_verdicts):
    battles, published = alpaca_eval_2_verdicts
    board = board_length_controlled(battles)
    errors = pd.Series({m: 100 * lc.value - published[m] for m, lc in board.rates.items()})
    assert len(errors) == 50 and not board.failures
    assert errors.abs().mean() < 1.0
    # NullModel is a prompt injection whose verdicts (84% wins) and preference probabilities (77%) differ
    assert errors.drop("NullModel").abs().max() < 2.5
