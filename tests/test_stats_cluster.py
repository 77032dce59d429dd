"""Win rates over the turns of multi-turn items: the CI resamples items (clusters), not verdicts.

References: scipy's bootstrap resampling (sum, count) pairs per cluster, a direct numpy cluster
bootstrap written here, statsmodels' cluster-robust standard error, and hand-counted per-turn rates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from jury.records import Preference, Vote
from jury.stats.compare import compare_votes
from jury.stats.kappa import cohen_kappa_labels
from jury.stats.pairwise import bootstrap_mean_ci, cluster_bootstrap_mean_ci, cluster_standard_error
from jury.stats.summary import summarize
from jury.stats.winrate import win_rate_with_ci

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
RNG = np.random.default_rng(7)
# 30 two-turn items, the second turn's score correlated with the first's
FIRST = RNG.choice([0.0, 0.5, 1.0], size=30)
SECOND = np.where(RNG.random(30) < 0.7, FIRST, RNG.choice([0.0, 0.5, 1.0], size=30))
VALUES = np.concatenate([FIRST, SECOND])
CLUSTERS = [f"i{k}" for k in range(30)] * 2


def _numpy_cluster_bootstrap(values, clusters, n_resamples, seed, confidence=0.95):
    names = list(dict.fromkeys(clusters))
    sums = np.array([sum(v for v, c in zip(values, clusters, strict=True) if c == n) for n in names])
    counts = np.array([sum(c == n for c in clusters) for n in names])
    drawn = np.random.default_rng(seed).integers(0, len(names), size=(n_resamples, len(names)))
    means = sums[drawn].sum(axis=1) / counts[drawn].sum(axis=1)
    tail = 100 * (1 - confidence) / 2
    return tuple(np.percentile(means, [tail, 100 - tail]))


def test_cluster_bootstrap_equals_a_direct_numpy_cluster_bootstrap():
    got = cluster_bootstrap_mean_ci(VALUES, CLUSTERS, n_resamples=2000, seed=3)
    assert got == pytest.approx(_numpy_cluster_bootstrap(VALUES, CLUSTERS, 2000, 3), abs=1e-12)


def test_cluster_bootstrap_agrees_with_scipy_resampling_clusters():
    sums, counts = FIRST + SECOND, np.full(30, 2.0)
    ref = stats.bootstrap(
        (sums, counts),
        lambda s, c, axis=-1: s.sum(axis=axis) / c.sum(axis=axis),
        paired=True,
        vectorized=True,
        method="percentile",
        n_resamples=20000,
        rng=np.random.default_rng(1),
    ).confidence_interval
    low, high = cluster_bootstrap_mean_ci(VALUES, CLUSTERS, n_resamples=20000, seed=2)
    assert (low, high) == pytest.approx((ref.low, ref.high), abs=0.01)  # Monte Carlo error only


def test_perfectly_correlated_turns_widen_the_ci_by_about_root_two():
    outcomes = [C, B, T, C, C, B, C, T, B, C] * 4
    both_turns = outcomes + outcomes  # turn 2 repeats turn 1: no new information
    items = [f"i{k}" for k in range(len(outcomes))] * 2
    naive = win_rate_with_ci(both_turns, seed=0)
    clustered = win_rate_with_ci(both_turns, seed=0, clusters=items)
    one_turn = win_rate_with_ci(outcomes, seed=0)
    assert clustered.value == naive.value == one_turn.value
    width = lambda w: w.ci_high - w.ci_low  # noqa: E731
    assert width(clustered) / width(naive) == pytest.approx(np.sqrt(2), rel=0.15)
    assert width(clustered) == pytest.approx(width(one_turn), rel=0.1)  # as wide as counting each item once
    # the cluster-robust SE of a doubled sample is exactly the single sample's SE
    assert clustered.standard_error == pytest.approx(one_turn.standard_error, rel=1e-9)
    assert naive.standard_error < clustered.standard_error


def test_clusters_of_one_are_the_plain_bootstrap_exactly():
    singles = [f"i{k}" for k in range(len(VALUES))]
    assert cluster_bootstrap_mean_ci(VALUES, singles, seed=5) == bootstrap_mean_ci(VALUES, seed=5)
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
    expected = win_rate_with_ci(list(outcomes.values()), seed=4, clusters=list(items.values()))
    assert (s.win_rate.ci_low, s.win_rate.ci_high) == (expected.ci_low, expected.ci_high)
    assert s.judges[0].win_rate == expected  # each judge's own rate is clustered too


def test_summary_of_a_single_turn_run_is_unchanged():
    outcomes = {"a": C, "b": B, "c": T, "d": C, "e": None}
    votes = _votes(outcomes)
    s = summarize(votes, [], [], ["j"], seed=4, items={u: u for u in outcomes}, turns=dict.fromkeys(outcomes, 1))
    assert s.per_turn == {}
    assert (
        s.win_rate
        == win_rate_with_ci(list(outcomes.values()), seed=4)
        == summarize(votes, [], [], ["j"], seed=4).win_rate
    )


def test_compare_pairs_items_not_turns():
    a = {f"i{k}": o for k, o in enumerate([C, C, T, C, B, C, C, T, C, C, C, T])}
    b = {f"i{k}": o for k, o in enumerate([B, C, B, T, B, C, B, B, T, C, B, B])}
    once = compare_votes(_votes(a), _votes(b), seed=1)
    # the same verdicts on both turns of every item: twice the verdicts, no more evidence
    twice_a = {f"{i}#turn{t}": o for i, o in a.items() for t in (1, 2)}
    twice_b = {f"{i}#turn{t}": o for i, o in b.items() for t in (1, 2)}
    items = {u: u.split("#")[0] for u in twice_a}
    clustered = compare_votes(_votes(twice_a), _votes(twice_b), seed=1, items=items)
    naive = compare_votes(_votes(twice_a), _votes(twice_b), seed=1)
    assert clustered.shared_items == once.shared_items == 12 and naive.shared_items == 24
    assert clustered.paired.p_value == pytest.approx(once.paired.p_value)
    assert naive.paired.p_value < clustered.paired.p_value  # counting turns as independent overstates the evidence


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
