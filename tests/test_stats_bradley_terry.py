"""Bradley-Terry against scikit-learn's logistic regression on the same battles (as Arena-Hard-Auto fits it)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jury.stats.bradley_terry import bradley_terry_battles, bradley_terry_wins


def _battles(seed: int, n: int = 4000, models: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    strength = np.linspace(-1.5, 1.5, models)
    a = rng.integers(0, models, n)
    b = (a + rng.integers(1, models, n)) % models
    p_a = 1 / (1 + np.exp(-(strength[a] - strength[b])))
    u = rng.random(n)
    winner = np.where(u < 0.15, "tie", np.where(rng.random(n) < p_a, "model_a", "model_b"))
    names = np.array([f"m{i}" for i in range(models)])
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": winner, "weight": rng.uniform(0.5, 2, n)})


def _sklearn_elo(battles: pd.DataFrame, anchor: str) -> pd.Series:
    """Independent reference: Arena-Hard-Auto's recipe. Features +ln10 for model_a and -ln10 for model_b,
    ties entered once as a win for each side, no intercept, (almost) no regularisation."""
    from sklearn.linear_model import LogisticRegression

    models = sorted(set(battles["model_a"]) | set(battles["model_b"]))
    col = {m: i for i, m in enumerate(models)}
    rows = len(battles)
    x = np.zeros((2 * rows, len(models)))
    idx = np.arange(rows)
    for half in (0, 1):
        x[idx + half * rows, battles["model_a"].map(col)] = math.log(10)
        x[idx + half * rows, battles["model_b"].map(col)] = -math.log(10)
    tie = (battles["winner"] == "tie").to_numpy()
    y = np.concatenate([(battles["winner"] == "model_a").to_numpy() | tie, (battles["winner"] == "model_a").to_numpy()])
    w = np.concatenate([battles["weight"], battles["weight"]])
    # each non-tie battle appears twice with the same label: halve it so every battle weighs its own weight
    lr = LogisticRegression(fit_intercept=False, C=1e10, tol=1e-12, max_iter=10_000)
    lr.fit(x, y, sample_weight=w / 2)
    elo = 400 * lr.coef_[0]
    return pd.Series(elo - elo[col[anchor]] + 1000, index=models)


def test_ratings_match_sklearn_logistic_regression():
    battles = _battles(seed=5)
    ours = bradley_terry_battles(battles, anchor="m2", n_rounds=50, seed=1)
    reference = _sklearn_elo(battles, "m2")
    assert ours.table["elo"].reindex(reference.index).to_numpy() == pytest.approx(reference.to_numpy(), abs=1e-3)
    assert ours.table.loc["m2", "elo"] == pytest.approx(1000)
    # win rate against the anchor is the Elo formula on the rating gap
    gap = ours.table["elo"] - 1000
    assert ours.table["win_rate_vs_anchor"].to_numpy() == pytest.approx((1 / (1 + 10 ** (-gap / 400))).to_numpy())
    t = ours.table
    assert ((t["elo_low"] <= t["elo"]) & (t["elo"] <= t["elo_high"])).all()
    assert (t["battles"].sum()) == 2 * len(battles)


def test_two_models_have_the_closed_form_rating():
    # by hand: with wins w_ab and w_ba, theta_a - theta_b = ln(w_ab / w_ba)
    theta = bradley_terry_wins(np.array([[0.0, 30.0], [10.0, 0.0]]))
    assert theta[0] - theta[1] == pytest.approx(math.log(3), abs=1e-8)
    battles = pd.DataFrame(
        {"model_a": ["x", "y", "x"], "model_b": ["y", "x", "y"], "winner": ["tie", "model_a", "model_a"]}
    )
    ratings = bradley_terry_battles(battles, n_rounds=0)
    # x: 1 win + 0.5 tie = 1.5; y: 1 win + 0.5 = 1.5 -> equal ratings, both at the base
    assert ratings.table["elo"].to_numpy() == pytest.approx([1000.0, 1000.0])


def test_a_model_that_never_loses_raises_a_clear_error():
    battles = pd.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "z", "z"], "winner": ["model_a"] * 3})
    with pytest.raises(ValueError, match="never lose"):
        bradley_terry_battles(battles, n_rounds=0)
    with pytest.raises(ValueError, match="anchor"):
        bradley_terry_battles(_battles(seed=1, n=200), anchor="nobody", n_rounds=0)
    with pytest.raises(ValueError, match="winner"):
        bradley_terry_battles(pd.DataFrame({"model_a": ["x"], "model_b": ["y"], "winner": ["x"]}), n_rounds=0)


def test_bootstrap_ci_width_matches_the_asymptotic_standard_errors_of_a_logit_fit():
    import statsmodels.api as sm

    battles = _battles(seed=3, n=3000, models=4)
    battles = battles[battles["winner"] != "tie"].drop(columns="weight").reset_index(drop=True)
    ours = bradley_terry_battles(battles, anchor="m0", n_rounds=1000, seed=2)
    # independent reference: a plain logit of "model_a won" on +1/-1 model indicators, anchor column dropped
    others = ["m1", "m2", "m3"]
    x = np.column_stack([(battles["model_a"] == m).astype(float) - (battles["model_b"] == m) for m in others])
    fit = sm.Logit((battles["winner"] == "model_a").astype(float), x).fit(disp=0)
    se_elo = fit.bse * 400 / math.log(10)
    width = (ours.table["elo_high"] - ours.table["elo_low"]).reindex(others).to_numpy()
    assert width == pytest.approx(2 * 1.959964 * se_elo, rel=0.12)
    assert ours.table["elo"].reindex(others).to_numpy() == pytest.approx(1000 + fit.params * 400 / math.log(10))


def test_bad_weights_and_self_battles_are_refused():
    battles = _battles(seed=2, n=100)
    with pytest.raises(ValueError, match="weights"):
        bradley_terry_battles(battles.assign(weight=-1.0), n_rounds=0)
    with pytest.raises(ValueError, match="itself"):
        bradley_terry_battles(battles.assign(model_b=battles["model_a"]), n_rounds=0)


def test_cluster_bootstrap_replays_as_a_loop_over_whole_clusters():
    battles = _battles(5, n=300, models=3).drop(columns="weight")
    battles["cluster"] = [f"c{k // 3}" for k in range(len(battles))]  # 100 clusters of 3 battles
    got = bradley_terry_battles(battles, anchor="m0", n_rounds=40, seed=2)
    rng = np.random.default_rng(2)
    names = list(dict.fromkeys(battles["cluster"]))
    rounds = []
    for _ in range(40):
        drawn = rng.integers(0, len(names), len(names))
        sample = pd.concat([battles[battles["cluster"] == names[c]] for c in drawn])
        rounds.append(bradley_terry_battles(sample, anchor="m0", n_rounds=0).table["elo"])
    boot = pd.DataFrame(rounds)
    assert got.table["elo_low"].to_dict() == pytest.approx(boot.quantile(0.025).to_dict(), abs=1e-6)
    assert got.table["elo_high"].to_dict() == pytest.approx(boot.quantile(0.975).to_dict(), abs=1e-6)


def test_clusters_of_one_draw_as_plain_battles_and_copies_do_not_narrow_the_ci():
    battles = _battles(6, n=600, models=3).drop(columns="weight")
    plain = bradley_terry_battles(battles, anchor="m0", n_rounds=300, seed=1).table
    singles = bradley_terry_battles(battles.assign(cluster=range(600)), anchor="m0", n_rounds=300, seed=1).table
    pd.testing.assert_frame_equal(plain, singles)
    twice = pd.concat([battles.assign(cluster=range(600)), battles.assign(cluster=range(600))])  # turn 2 = turn 1
    clustered = bradley_terry_battles(twice, anchor="m0", n_rounds=300, seed=1).table
    independent = bradley_terry_battles(twice.drop(columns="cluster"), anchor="m0", n_rounds=300, seed=1).table
    width = lambda t: (t["elo_high"] - t["elo_low"]).drop("m0")  # noqa: E731
    assert (width(clustered) / width(plain)).to_list() == pytest.approx([1, 1], rel=0.2)
    assert (width(plain) / width(independent)).to_list() == pytest.approx([2**0.5] * 2, rel=0.2)


def _star(records: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Battles of each model against "base": (wins, ties, losses)."""
    rows = []
    for model, (won, tied, lost) in records.items():
        rows += [(model, "base", w) for w in ["model_a"] * won + ["tie"] * tied + ["model_b"] * lost]
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])


def _closed_form_bootstrap(battles: pd.DataFrame, n_rounds: int, seed: int) -> tuple[pd.DataFrame, int]:
    """By hand, replaying the documented draws: against the anchor alone a model's Elo is
    1000 + 400 log10(won / lost) with ties half each way; +inf (-inf) when it drew no loss (no win)."""
    rng = np.random.default_rng(seed)
    score = battles["winner"].map({"model_a": 1.0, "tie": 0.5, "model_b": 0.0}).to_numpy()
    models = sorted(set(battles["model_a"]))
    rounds = {m: [] for m in models}
    for _ in range(n_rounds):
        idx = rng.integers(0, len(battles), len(battles))
        for m in models:
            s = score[idx][battles["model_a"].to_numpy()[idx] == m]
            won, lost = s.sum(), (1 - s).sum()
            rounds[m].append(math.inf if lost == 0 else -math.inf if won == 0 else 1000 + 400 * math.log10(won / lost))
    table = pd.DataFrame(rounds)
    return table, int((~np.isfinite(table)).any(axis=1).sum())


def test_resamples_where_a_model_never_loses_do_not_void_the_ratings_on_any_seed():
    # 22 wins, 2 ties, 2 losses: about one resample in 80 draws neither a tie nor a loss
    battles = _star({"m": (22, 2, 2), "k": (9, 8, 9)})
    plain = bradley_terry_battles(battles, anchor="base", n_rounds=0).table
    # the point estimate is the plain fit, by hand: 1000 + 400 log10(23 / 3) and 1000
    assert plain.loc["m", "elo"] == pytest.approx(1000 + 400 * math.log10(23 / 3), abs=1e-3)
    assert plain.loc["k", "elo"] == pytest.approx(1000, abs=1e-3)
    seen_degenerate = 0
    for seed in range(50):
        fit = bradley_terry_battles(battles, anchor="base", n_rounds=40, seed=seed)
        assert fit.table["elo"].to_dict() == plain["elo"].to_dict()
        reference, degenerate = _closed_form_bootstrap(battles, 40, seed)
        assert fit.degenerate_rounds == degenerate
        seen_degenerate += degenerate > 0
        for model in ("m", "k"):
            ours, ref = fit.table.loc[model], reference[model]
            assert ours["elo_low"] == pytest.approx(np.percentile(ref, 2.5), abs=1e-3), (seed, model)
            below, above = np.percentile(ref, 97.5, method="lower"), np.percentile(ref, 97.5, method="higher")
            if math.isfinite(above):  # the bound interpolates between ordinary resamples: exactly theirs
                assert ours["elo_high"] == pytest.approx(np.percentile(ref, 97.5), abs=1e-3), (seed, model)
            elif math.isfinite(below):  # it leans on an unbounded resample: beyond the ordinary ones
                assert ours["elo_high"] >= below - 1e-3, (seed, model)
            else:  # more than the tail's share of resamples unbounded: the bound is off the scale
                assert ours["elo_high"] > ours["elo"] + 800, (seed, model)
    assert seen_degenerate >= 10  # the loop did exercise the degenerate resamples
