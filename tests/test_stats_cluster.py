"""Win rates over the turns of multi-turn items: the CI counts conversations (clusters), not verdicts.

References: statsmodels' cluster-robust and plain standard errors and its Clopper-Pearson interval
(the Korn-Graubard effective sample size is computed here by hand from them), and hand-counted rates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from jury.records import Preference, Vote
from jury.stats.compare import regression_test
from jury.stats.intervals import mean_interval
from jury.stats.kappa import cohen_kappa_labels
from jury.stats.pairwise import cluster_standard_error
from jury.stats.summary import summarize
from jury.stats.winrate import win_rate_with_ci

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
RNG = np.random.default_rng(7)
# 30 two-turn items, the second turn's score correlated with the first's
FIRST = RNG.choice([0.0, 0.5, 1.0], size=30)
SECOND = np.where(RNG.random(30) < 0.7, FIRST, RNG.choice([0.0, 0.5, 1.0], size=30))
VALUES = np.concatenate([FIRST, SECOND])
CLUSTERS = [f"i{k}" for k in range(30)] * 2


def _korn_graubard(values, groups, confidence=0.95):
    """By hand from statsmodels' standard errors: deff = (cluster-robust SE / plain SE)^2,
    n* = n / deff * (t_{n-1} / t_{G-1})^2, at least n^2 / sum(size^2); Clopper-Pearson on n* trials."""
    import statsmodels.api as sm

    x = np.asarray(values, dtype=float)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1]
    ones = np.ones_like(x)
    robust = sm.OLS(x, ones).fit(cov_type="cluster", cov_kwds={"groups": codes}).bse[0]
    plain = sm.OLS(x, ones).fit().bse[0]  # s / sqrt(n), ddof = 1
    n, g, sizes = x.size, codes.max() + 1, np.bincount(codes)
    q = (1 + confidence) / 2
    n_star = max(
        n / (robust / plain) ** 2 * (stats.t.ppf(q, n - 1) / stats.t.ppf(q, g - 1)) ** 2, n**2 / (sizes**2).sum()
    )
    return proportion_confint(x.mean() * n_star, n_star, alpha=1 - confidence, method="beta")


def test_clustered_interval_is_korn_graubard_on_statsmodels_standard_errors():
    assert mean_interval(VALUES, CLUSTERS) == pytest.approx(_korn_graubard(VALUES, CLUSTERS), abs=1e-9)
    groups = np.arange(60) % 30
    assert mean_interval(VALUES, list(groups), confidence=0.9) == pytest.approx(
        _korn_graubard(VALUES, groups, 0.9), abs=1e-9
    )


def test_every_turn_won_is_clopper_pearson_over_conversations_not_a_point():
    # 10 two-turn conversations, every turn won: nothing says the turns are independent, so the
    # interval is the exact one for 10 conversations (statsmodels), not for 20 verdicts
    items = [f"i{k}" for k in range(10)] * 2
    w = win_rate_with_ci([C] * 20, clusters=items)
    assert (w.ci_low, w.ci_high) == pytest.approx(proportion_confint(10, 10, method="beta"), abs=1e-12)
    assert w.ci_low < 0.7


def test_perfectly_correlated_turns_widen_the_ci_by_about_root_two():
    outcomes = [C, B, T, C, C, B, C, T, B, C] * 4
    both_turns = outcomes + outcomes  # turn 2 repeats turn 1: no new information
    items = [f"i{k}" for k in range(len(outcomes))] * 2
    naive = win_rate_with_ci(both_turns)
    clustered = win_rate_with_ci(both_turns, clusters=items)
    one_turn = win_rate_with_ci(outcomes)
    assert clustered.value == naive.value == one_turn.value
    width = lambda w: w.ci_high - w.ci_low  # noqa: E731
    assert width(clustered) / width(naive) == pytest.approx(np.sqrt(2), rel=0.05)
    # copies add no information: the estimated design effect exceeds the turns per conversation, and the
    # interval is floored at the one that counts each conversation once, exactly the one-turn interval
    assert (clustered.ci_low, clustered.ci_high) == pytest.approx((one_turn.ci_low, one_turn.ci_high), abs=1e-12)
    # the cluster-robust SE of a doubled sample is exactly the single sample's SE
    assert clustered.standard_error == pytest.approx(one_turn.standard_error, rel=1e-9)
    assert naive.standard_error < clustered.standard_error


@pytest.mark.parametrize("seed", range(5))
def test_copying_a_conversations_turns_never_narrows_its_ci(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(5, 40))
    values = rng.choice([0.0, 0.5, 1.0], size=2 * k, p=[0.3, 0.2, 0.5])
    items = [f"i{j}" for j in range(k)] * 2
    low, high = mean_interval(values, items)
    copied_low, copied_high = mean_interval(np.concatenate([values, values]), items + items)
    assert copied_low <= low + 1e-12 and copied_high >= high - 1e-12


def test_clusters_of_one_are_the_plain_interval_exactly():
    singles = [f"i{k}" for k in range(len(VALUES))]
    assert mean_interval(VALUES, singles) == mean_interval(VALUES)
    assert mean_interval(VALUES) == pytest.approx(proportion_confint(VALUES.sum(), VALUES.size, method="beta"))
    assert cluster_standard_error(VALUES, singles) == pytest.approx(VALUES.std(ddof=1) / np.sqrt(VALUES.size))


def test_cluster_standard_error_matches_statsmodels():
    import statsmodels.api as sm

    fit = sm.OLS(VALUES, np.ones_like(VALUES)).fit(cov_type="cluster", cov_kwds={"groups": np.arange(60) % 30})
    assert cluster_standard_error(VALUES, CLUSTERS) == pytest.approx(fit.bse[0], rel=1e-9)
    # a hand computation: clusters a: (1, 0), b: (1, 1), c: (0, ½); mean 7/12
    residuals = np.array([1 - 14 / 12, 2 - 14 / 12, 0.5 - 14 / 12])
    hand = np.sqrt(3 / 2 * (residuals**2).sum()) / 6
    assert cluster_standard_error([1, 0, 1, 1, 0, 0.5], list("aabbcc")) == pytest.approx(hand)


def _votes(outcomes: dict[str, Preference | None]) -> list[Vote]:
    return [Vote(unit, outcome, {"j": outcome}) for unit, outcome in outcomes.items()]


def test_summary_of_a_two_turn_run_has_per_turn_rates_and_a_clustered_ci():
    outcomes = {"a#1": C, "a#2": C, "b#1": C, "b#2": B, "c#1": T, "c#2": None, "d#1": B, "d#2": B}
    votes = _votes(outcomes)
    items = {u: u.split("#")[0] for u in outcomes}
    turns = {u: int(u.split("#")[1]) for u in outcomes}
    s = summarize(votes, [], [], ["j"], seed=4, items=items, turns=turns)
    # turn 1: C, C, T, B -> 2.5 / 4; turn 2: C, B, (abstained), B -> 1 / 3; all: 3.5 / 7
    assert s.per_turn[1].value == pytest.approx(0.625) and s.per_turn[1].n == 4
    assert (s.per_turn[2].value, s.per_turn[2].n, s.per_turn[2].abstained) == (pytest.approx(1 / 3), 3, 1)
    assert s.win_rate.value == pytest.approx(0.5) and s.win_rate.n == 7
    expected = win_rate_with_ci(list(outcomes.values()), clusters=list(items.values()))
    assert (s.win_rate.ci_low, s.win_rate.ci_high) == (expected.ci_low, expected.ci_high)
    assert s.judges[0].win_rate == expected  # each judge's own rate is clustered too


def test_summary_of_a_single_turn_run_is_unchanged():
    outcomes = {"a": C, "b": B, "c": T, "d": C, "e": None}
    votes = _votes(outcomes)
    s = summarize(votes, [], [], ["j"], seed=4, items={u: u for u in outcomes}, turns=dict.fromkeys(outcomes, 1))
    assert s.per_turn == {}
    assert s.win_rate == win_rate_with_ci(list(outcomes.values())) == summarize(votes, [], [], ["j"], seed=4).win_rate


def test_compare_pairs_items_not_turns():
    a = {f"i{k}": o for k, o in enumerate([C, C, T, C, B, C, C, T, C, C, C, T])}
    b = {f"i{k}": o for k, o in enumerate([B, C, B, T, B, C, B, B, T, C, B, B])}
    once = regression_test(_votes(a), _votes(b))
    # the same verdicts on both turns of every item: twice the verdicts, no more evidence
    twice_a = {f"{i}#turn{t}": o for i, o in a.items() for t in (1, 2)}
    twice_b = {f"{i}#turn{t}": o for i, o in b.items() for t in (1, 2)}
    items = {u: u.split("#")[0] for u in twice_a}
    clustered = regression_test(_votes(twice_a), _votes(twice_b), items=items)
    naive = regression_test(_votes(twice_a), _votes(twice_b))
    assert clustered.n == once.n == 12 and naive.n == 24
    assert clustered.p_value == pytest.approx(once.p_value)
    assert naive.p_value < clustered.p_value  # counting turns as independent overstates the evidence


def test_summary_kappa_between_judges_resamples_conversations():
    rng = np.random.default_rng(2)
    units = [f"i{k}#{t}" for t in (1, 2) for k in range(40)]
    labels = [C, B, T]
    x = {u: labels[k] for u, k in zip(units, rng.integers(0, 3, size=len(units)), strict=True)}
    y = {u: p if rng.random() < 0.6 else labels[rng.integers(0, 3)] for u, p in x.items()}
    votes = [Vote(u, x[u], {"x": x[u], "y": y[u]}) for u in units]
    items = {u: u.split("#")[0] for u in units}
    s = summarize(votes, [], [], ["x", "y"], seed=5, items=items, turns={u: int(u[-1]) for u in units})
    row = s.agreement.pairs.iloc[0]
    given = ([x[u].value for u in units], [y[u].value for u in units])
    clustered = cohen_kappa_labels(*given, seed=5, clusters=list(items.values()))
    independent = cohen_kappa_labels(*given, seed=5)
    assert (row.kappa_low, row.kappa_high) == (clustered.ci_low, clustered.ci_high)
    assert (row.kappa_low, row.kappa_high) != pytest.approx((independent.ci_low, independent.ci_high))


def test_leaderboard_battles_put_a_models_turns_of_one_conversation_in_one_cluster():
    from types import SimpleNamespace

    from jury.leaderboard.standings import _battles

    def run(units, outcomes):
        return SimpleNamespace(
            units=[SimpleNamespace(unit_id=u, item=SimpleNamespace(item_id=i)) for u, i in units],
            votes=[Vote(u, o, {}) for u, o in outcomes],
        )

    two_turn = run(
        [("a#turn1", "a"), ("a#turn2", "a"), ("b#turn1", "b")], [("a#turn1", C), ("a#turn2", B), ("b#turn1", None)]
    )
    single = run([("a", "a")], [("a", T)])
    battles = _battles({"m1": two_turn, "m2": single}, "base")
    assert battles["winner"].to_list() == ["model_a", "model_b", "tie"]  # the abstention is no battle
    clusters = battles["cluster"].to_list()
    assert clusters[0] == clusters[1] != clusters[2]  # m1's two turns of item a; m2's item a is its own
