"""Kappa and alpha against hand computations and published worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jury.stats.judges import (
    accuracy_against,
    label_agreement,
    majority_vote,
    order_consistency,
    pair_table,
    reference_table,
)
from jury.stats.kappa import cohen_kappa_labels, fleiss_kappa_items, krippendorff_alpha_items


def _from_table(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


def test_cohen_kappa_of_a_2x2_table_by_the_formula():
    table = [[20, 5], [10, 15]]
    a, b = _from_table(table, ["yes", "no"])
    n = 50
    p_observed = (20 + 15) / n
    p_expected = (25 / n) * (30 / n) + (25 / n) * (20 / n)
    kappa = cohen_kappa_labels([*a, None], [*b, "yes"])
    assert kappa.n == n
    assert kappa.value == pytest.approx((p_observed - p_expected) / (1 - p_expected))  # 0.4
    assert kappa.ci_low < kappa.value < kappa.ci_high


def test_kappa_bootstrap_ci_matches_the_asymptotic_standard_error():
    from statsmodels.stats.inter_rater import cohens_kappa

    table = np.array([[120, 30, 10], [25, 90, 20], [5, 15, 85]])
    a, b = _from_table(table.tolist(), ["A", "tie", "B"])
    kappa = cohen_kappa_labels(a, b, n_resamples=4000, seed=1)
    reference = cohens_kappa(table)
    assert kappa.value == pytest.approx(reference.kappa)
    half = 1.959964 * reference.std_kappa
    assert kappa.ci_low == pytest.approx(reference.kappa - half, abs=0.01)
    assert kappa.ci_high == pytest.approx(reference.kappa + half, abs=0.01)


def test_fleiss_kappa_reproduces_fleiss_worked_example():
    # Fleiss (1971) style example as given on Wikipedia: 10 items, 14 raters, 5 categories, kappa = 0.210
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    ratings = [[c for c, k in enumerate(row) for _ in range(k)] for row in counts]
    result = fleiss_kappa_items(ratings)
    assert (result.n_items, result.n_raters) == (10, 14)
    assert result.value == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_leaves_out_incomplete_items():
    result = fleiss_kappa_items([["a", "a"], ["b", "b"], ["a", None], ["a", "b"]])
    # by hand on the 3 complete items: P_bar = (1 + 1 + 0) / 3, p_a = 3/6, p_b = 3/6, P_e = 0.5
    assert result.n_items == 3
    assert result.value == pytest.approx((2 / 3 - 0.5) / 0.5)


KRIPPENDORFF_EXAMPLE = [  # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders x 12 units
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_krippendorff_alpha_reproduces_the_published_example():
    items = pd.DataFrame(KRIPPENDORFF_EXAMPLE).T  # items as rows
    nominal = krippendorff_alpha_items(items)
    ordinal = krippendorff_alpha_items(items, level="ordinal", order=[1, 2, 3, 4, 5])
    assert nominal.value == pytest.approx(0.743, abs=5e-4)
    assert ordinal.value == pytest.approx(0.815, abs=5e-4)
    assert nominal.n_items == 11  # the last unit has a single rating, which carries no agreement


def test_ordinal_alpha_needs_an_order_covering_every_label():
    with pytest.raises(ValueError, match="order"):
        krippendorff_alpha_items([["a", "b"]], level="ordinal")
    with pytest.raises(ValueError, match="not in the given order"):
        krippendorff_alpha_items([["a", "b"], ["c", "a"]], level="ordinal", order=["a", "b"])


def test_agreement_accuracy_consistency_and_majority_by_hand():
    x = ["A", "B", "tie", "A", None]
    y = ["A", "A", "tie", "tie", "B"]
    assert label_agreement(x, y) == label_agreement(y, x)
    assert (label_agreement(x, y).value, label_agreement(x, y).n) == (pytest.approx(2 / 4), 4)
    no_ties = label_agreement(x, y, tie="tie")
    assert (no_ties.value, no_ties.n) == (pytest.approx(1 / 2), 2)
    acc = accuracy_against(x, ["A", "B", "A", "B", "B"])
    assert (acc.value, acc.n) == (pytest.approx(2 / 5), 5)  # the missing prediction counts as wrong
    cons = order_consistency(["1", "2", None, "1"], ["1", "1", None, None])
    assert (cons.value, cons.n) == (pytest.approx(2 / 4), 4)
    panel = pd.DataFrame({"j1": ["A", "A", "B", None], "j2": ["A", "B", "B", None], "j3": ["B", None, "B", "A"]})
    assert majority_vote(panel).tolist() == ["A", None, "B", "A"]
    assert majority_vote(panel, tie="tie").tolist()[1] == "tie"


def test_tables_have_one_row_per_pair_and_per_judge():
    panel = pd.DataFrame({"j1": list("AABBA"), "j2": list("ABBBA"), "j3": list("BABBA")})
    pairs = pair_table(panel)
    assert len(pairs) == 3
    assert pairs.loc[0, "agreement"] == pytest.approx(4 / 5)
    human = reference_table(panel, list("AABBA"), "human")
    assert human["agreement"].tolist() == pytest.approx([1.0, 0.8, 0.8])
    assert human.loc[0, "kappa"] == pytest.approx(1.0)


def test_run_summary_carries_kappa_for_each_judge_pair():
    from sklearn.metrics import cohen_kappa_score

    from jury.records import Preference, Vote
    from jury.stats.summary import summarize

    c, b, t = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
    x = [c, c, b, t, c, b]
    y = [c, b, b, t, c, c]
    votes = [Vote(str(i), p, {"x": p, "y": q}) for i, (p, q) in enumerate(zip(x, y, strict=True))]
    stats = summarize(votes, [], [], ["x", "y"])
    pair = stats.agreement.pairs.iloc[0]
    assert pair["kappa"] == pytest.approx(cohen_kappa_score([p.value for p in x], [q.value for q in y]))
    assert stats.agreement.alpha_ordinal is not None


def test_kappa_is_undefined_when_only_one_label_is_used():
    kappa = cohen_kappa_labels(["A", "A", "A"], ["A", "A", "A"])
    assert np.isnan(kappa.value) and kappa.n == 3


def test_cluster_bootstrap_of_kappa_matches_a_loop_over_sklearn():
    """Resampling whole clusters: the CI equals a plain loop that draws clusters with the same
    generator, gathers their items and calls scikit-learn's kappa on each resample."""
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(7)
    n_clusters = 40
    sizes = rng.integers(1, 4, size=n_clusters)
    clusters = [f"c{c}" for c, size in enumerate(sizes) for _ in range(size)]
    a = list(rng.choice(["A", "B", "tie"], size=len(clusters)))
    b = [x if rng.random() < 0.6 else str(rng.choice(["A", "B", "tie"])) for x in a]
    a[3], b[5] = None, None  # missing ratings leave their items (not their clusters' other items) out
    got = cohen_kappa_labels(a, b, clusters=clusters, n_resamples=500, seed=3)

    kept = [(c, x, y) for c, x, y in zip(clusters, a, b, strict=True) if x is not None and y is not None]
    names = list(dict.fromkeys(c for c, _, _ in kept))
    members = {c: [(x, y) for k, x, y in kept if k == c] for c in names}
    draws = np.random.default_rng(3).integers(0, len(names), size=(500, len(names)))
    boot = []
    for row in draws:
        pairs = [p for i in row for p in members[names[i]]]
        boot.append(cohen_kappa_score([x for x, _ in pairs], [y for _, y in pairs]))
    assert got.n == len(kept) == len(clusters) - 2
    assert got.value == pytest.approx(cohen_kappa_score([x for _, x, _ in kept], [y for _, _, y in kept]))
    assert (got.ci_low, got.ci_high) == pytest.approx(tuple(np.percentile(boot, [2.5, 97.5])))


def test_copied_turns_do_not_narrow_the_clustered_kappa_ci():
    """Turn 2 a copy of turn 1: as independent items the CI shrinks by about sqrt(2) (too confident);
    resampled by conversation it keeps the width of the single-turn data."""
    rng = np.random.default_rng(1)
    a = list(rng.choice(["A", "B"], size=150))
    b = [x if rng.random() < 0.7 else ("B" if x == "A" else "A") for x in a]
    width = lambda k: k.ci_high - k.ci_low  # noqa: E731
    single = cohen_kappa_labels(a, b, n_resamples=4000)
    independent = cohen_kappa_labels(a + a, b + b, n_resamples=4000)
    clustered = cohen_kappa_labels(a + a, b + b, n_resamples=4000, clusters=list(range(150)) * 2)
    assert clustered.value == independent.value == pytest.approx(single.value)
    assert width(clustered) == pytest.approx(width(single), rel=0.1)
    assert width(single) / width(independent) == pytest.approx(2**0.5, rel=0.1)
    with pytest.raises(ValueError, match="cluster labels"):
        cohen_kappa_labels(a, b, clusters=[0, 1])
