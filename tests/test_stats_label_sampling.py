"""Labelling plans: random orders within strata, a schedule fixed before any label (so the inclusion probability
n_h/N_h holds wherever the user stops), rates, and recomputing the design from the labelled rows alone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from jury.stats.label_sampling import (
    PlannedLabel,
    disagreement_plan,
    labelled_sample,
    prediction_uncertainty,
    uniform_plan,
)
from jury.stats.ppi import human_anchored_win_rate

RNG = np.random.default_rng(4)
U = RNG.random(120)  # distinct uncertainties: the strata do not depend on the seed's tie-breaks
CLUSTERS = np.repeat(np.arange(80), [2] * 40 + [1] * 40)  # 40 two-turn conversations, 40 single items


def _counts(plan, k: int, n_strata: int) -> list[int]:
    return np.bincount([row.stratum for row in plan[:k]], minlength=n_strata).tolist()


def test_uniform_plan_is_a_seeded_permutation_in_one_stratum():
    plan = uniform_plan(50, seed=3)
    assert sorted(row.unit for row in plan) == list(range(50))
    assert [row.position for row in plan] == [row.stratum_position for row in plan] == list(range(50))
    assert {(row.stratum, row.stratum_size) for row in plan} == {(0, 50)}
    assert plan == uniform_plan(50, seed=3)
    assert [r.unit for r in plan] != [r.unit for r in uniform_plan(50, seed=4)]


def test_disagreement_strata_hold_whole_conversations_least_sure_first():
    plan = disagreement_plan(U, CLUSTERS, seed=1, strata=3)
    stratum_of = {row.unit: row.stratum for row in plan}
    clusters = CLUSTERS
    for c in np.unique(clusters):
        assert len({stratum_of[u] for u in np.flatnonzero(clusters == c)}) == 1
    means = [np.mean([U[r.unit] for r in plan if r.stratum == h]) for h in range(3)]
    assert means[0] > means[1] > means[2]
    sizes = {h: sum(r.stratum == h for r in plan) for h in range(3)}
    assert all(r.stratum_size == sizes[r.stratum] for r in plan)
    assert sorted(r.unit for r in plan) == list(range(120))


def test_the_schedule_is_fixed_before_any_label_whatever_the_seed():
    plans = [disagreement_plan(U, CLUSTERS, seed=s, strata=3) for s in range(4)]
    for k in range(1, 121):
        assert len({tuple(_counts(p, k, 3)) for p in plans}) == 1  # n_h(k) the same for every seed
    assert len({tuple(r.unit for r in p) for p in plans}) == 4  # the units themselves differ
    assert [r.stratum for r in plans[0][:6]] == [0, 1, 2, 0, 1, 2]  # warm-up: two from each, least sure first
    lopsided = disagreement_plan(np.repeat([1.0, 0.0], 10), seed=0, uniform_share=0.1)  # rates .95 and .05
    assert [r.stratum for r in lopsided[:6]] == [0, 1, 0, 1, 0, 0]  # the sure half still gets two labels first


@pytest.mark.parametrize("share", [0.2, 0.5, 1.0])
def test_rates_mix_uncertainty_with_uniform(share):
    plan = disagreement_plan(U, CLUSTERS, seed=0, strata=2, uniform_share=share)
    sizes = np.array([sum(r.stratum == h for r in plan) for h in range(2)])
    mean_u = np.array([np.mean([U[r.unit] for r in plan if r.stratum == h]) for h in range(2)])
    rates = sizes / 120 * (share + (1 - share) * mean_u / U.mean())
    for k in range(4, 60):  # before either stratum runs out
        counts = np.array(_counts(plan, k, 2))
        assert np.all(np.abs(counts - rates * k) <= 2)
        assert np.all(counts >= share * sizes / 120 * k - 2)  # never far below the uniform share


def test_labelled_sample_recomputes_inclusion_and_sets_aside_labels_after_a_gap():
    plan = disagreement_plan(U, CLUSTERS, seed=2, strata=2)
    made = list(plan[:30])
    full = labelled_sample(made)
    counts = _counts(plan, 30, 2)
    assert full.set_aside == 0 and len(full.units) == 30
    sizes = {r.stratum: r.stratum_size for r in plan}
    for unit, h, pi in zip(full.units, full.strata, full.inclusion, strict=True):
        assert pi == counts[h] / sizes[h]
        assert unit in {r.unit for r in made}
    skipped = next(r for r in made[10:] if r.stratum == 0)
    gap = labelled_sample([r for r in made if r is not skipped])
    after = sum(1 for r in made if r.stratum == 0 and r.stratum_position > skipped.stratum_position)
    assert gap.set_aside == after
    assert set(gap.inclusion) == {skipped.stratum_position / skipped.stratum_size, counts[1] / sizes[1]}
    with pytest.raises(ValueError, match="twice"):
        labelled_sample(made + made[:1])
    with pytest.raises(ValueError, match="share a rank"):
        labelled_sample(
            [made[0], PlannedLabel(99, 119, made[0].stratum, made[0].stratum_size, made[0].stratum_position)]
        )


def test_a_stopped_plan_feeds_the_estimator_and_is_unbiased_over_all_its_prefixes():
    """Tiny population: enumerate every order of each stratum (all equally likely under the plan), stop at k."""
    u = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.0])
    f = np.array([0.5, 0.5, 1.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.5, 1.0, 0.0, 0.5])
    plan = disagreement_plan(u, None, seed=0, strata=2)
    strata = [sorted(r.unit for r in plan if r.stratum == h) for h in range(2)]
    for k in (4, 5):
        counts = _counts(plan, k, 2)
        estimates = []
        for a, b in itertools.product(*(itertools.permutations(s) for s in strata)):
            rows = [
                PlannedLabel(0, unit, h, len(strata[h]), j)
                for h, order in enumerate((a, b))
                for j, unit in enumerate(order)
            ]
            sample = labelled_sample([r for r in rows if r.stratum_position < counts[r.stratum]])
            units = np.array(sample.units)
            r = human_anchored_win_rate(f, None, units, y[units], sample.inclusion, strata=sample.strata, lam=0.8)
            estimates.append(r.estimate)
        assert np.mean(estimates) == pytest.approx(y.mean(), abs=1e-12)


def test_prediction_uncertainty():
    assert prediction_uncertainty([0.0, 0.25, 0.5, 1.0]).tolist() == [0.0, 0.5, 1.0, 0.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: uniform_plan(0, seed=0), "at least one unit"),
        (lambda: disagreement_plan([0.5, 1.2], seed=0), r"\[0, 1\]"),
        (lambda: disagreement_plan([0.5, np.nan], seed=0), r"\[0, 1\]"),
        (lambda: disagreement_plan([0.5, 0.1], ["a"], seed=0), "cluster ids"),
        (lambda: disagreement_plan([0.5, 0.1], seed=0, uniform_share=0), "uniform_share"),
        (lambda: disagreement_plan([0.5, 0.1], seed=0, strata=0), "stratum"),
        (lambda: prediction_uncertainty([1.5]), r"\[0, 1\]"),
    ],
)
def test_bad_plan_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
