"""Labelling plans: seeded and prefix-stable, probabilities checked by hand and by enumerating every
permutation or draw sequence of small plans; the panel's uncertainty of a unit by hand."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from jury.io.human_labels import inclusion_probability
from jury.labels.plan import disagreement_plan, draw_probabilities, make_plan, uniform_plan
from jury.labels.uncertainty import unit_uncertainty
from jury.records import Preference, Vote

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
U = [0.0, 1.0, 0.5, 0.0, 1.0, 0.25, 0.0, 0.0]


def test_uniform_plan_is_seeded_distinct_and_prefix_stable():
    plan = uniform_plan(U, seed=3, sample=5)
    units = [d.unit for d in plan.draws]
    assert len(set(units)) == 5 and all(d.probability == 1 / 8 and not d.repeat for d in plan.draws)
    assert [d.index for d in plan.draws] == list(range(5))
    assert uniform_plan(U, seed=3, sample=5) == plan
    assert [d.unit for d in uniform_plan(U, seed=4, sample=5).draws] != units
    everything = uniform_plan(U, seed=3, sample=100)  # asking for more continues the same order
    assert [d.unit for d in everything.draws][:5] == units and sorted(d.unit for d in everything.draws) == list(
        range(8)
    )


def test_uniform_inclusion_probability_is_k_over_n_by_enumerating_every_order():
    n = 5
    for k in range(n + 1):
        share = [Fraction(0)] * n
        orders = list(itertools.permutations(range(n)))
        for order in orders:
            for unit in order[:k]:
                share[unit] += Fraction(1, len(orders))
        assert all(inclusion_probability(False, 1 / n, k, n) == pytest.approx(float(s)) for s in share)
        assert sum(share) == k  # the expected sample size


def test_draw_probabilities_mix_uniform_and_uncertainty_by_hand():
    # s = 1/2, N = 4, sum(u) = 2: p = 1/8 + u/4
    assert draw_probabilities([0.0, 0.5, 1.0, 0.5]) == pytest.approx([0.125, 0.25, 0.375, 0.25])
    assert draw_probabilities([0.0, 0.5, 1.0, 0.5], uniform_share=1.0) == pytest.approx([0.25] * 4)
    assert draw_probabilities([0.0, 0.0, 0.0]) == pytest.approx([1 / 3] * 3)  # a sure panel: uniform
    assert draw_probabilities(U).sum() == pytest.approx(1.0) and draw_probabilities(U).min() >= 0.5 / 8


def test_with_replacement_inclusion_probability_by_enumerating_every_draw_sequence():
    p = draw_probabilities([0.0, 1.0, 0.5])
    for m in range(4):
        seen = np.zeros(3)
        for seq in itertools.product(range(3), repeat=m):
            for unit in set(seq):
                seen[unit] += math.prod(p[i] for i in seq)
        assert [inclusion_probability(True, q, m, 3) for q in p] == pytest.approx(seen)


def _expected_estimate(p: np.ndarray, y: list[float], stop, max_draws: int) -> float:
    """E[(1/m) sum_d y/(N p)] over every sequence of max_draws draws, m given by `stop`."""
    total = 0.0
    for seq in itertools.product(range(len(p)), repeat=max_draws):
        m = stop(seq)
        total += math.prod(p[i] for i in seq) * np.mean([y[i] / (len(p) * p[i]) for i in seq[:m]])
    return total


def _before_new(k: int):
    """Stop just before the (k+1)-th distinct unit, every repeat before it credited (what the session does)."""

    def stop(seq):
        seen: set[int] = set()
        for d, unit in enumerate(seq):
            if unit not in seen and len(seen) == k:
                return d
            seen.add(unit)
        return len(seq)

    return stop


def _after_new(k: int):
    """Stop right after the k-th distinct unit, before its repeats: biased."""

    def stop(seq):
        seen: set[int] = set()
        for d, unit in enumerate(seq):
            seen.add(unit)
            if len(seen) == k:
                return d + 1
        return len(seq)

    return stop


def test_the_weighted_mean_is_unbiased_wherever_the_labeller_stops_between_two_units():
    p = draw_probabilities([0.1, 1.0, 0.6, 0.0])
    y = [1.0, 0.0, 0.5, 1.0]  # human scores; their mean over the run is the target
    for k in (1, 2, 3):
        assert _expected_estimate(p, y, _before_new(k), 6) == pytest.approx(np.mean(y), abs=1e-12)
    # control: the enumeration can see a bias, here from stopping before a unit's repeats are credited
    assert abs(_expected_estimate(p, y, _after_new(2), 6) - np.mean(y)) > 0.01


def test_disagreement_plan_stops_just_before_the_next_new_unit_and_is_prefix_stable():
    plan = disagreement_plan(U, seed=7, sample=4)
    seen: set[int] = set()
    for d in plan.draws:
        assert d.repeat == (d.unit in seen) and d.probability == pytest.approx(draw_probabilities(U)[d.unit])
        seen.add(d.unit)
    assert len(seen) == 4 and len(plan.asked) == 4 and plan.with_replacement
    longer = disagreement_plan(U, seed=7, sample=6)
    assert longer.draws[: len(plan.draws)] == plan.draws
    assert not longer.draws[len(plan.draws)].repeat  # the small plan ended right before a new unit
    assert disagreement_plan(U, seed=7, sample=4) == plan and disagreement_plan(U, seed=8, sample=4) != plan
    assert len(disagreement_plan(U, seed=7, sample=99).asked) == 8


def test_disagreement_plan_draws_the_uncertain_unit_most():
    plan = disagreement_plan([1.0, 0.0, 0.0, 0.0], seed=0, sample=2, uniform_share=0.01)
    units = [d.unit for d in plan.draws]
    assert units[0] == 0 and units.count(0) > 0.95 * len(units)  # p = 0.9925 for unit 0


def test_bad_plan_arguments_raise_value_error():
    with pytest.raises(ValueError, match="unknown strategy"):
        make_plan("stratified", U, seed=0, sample=3)
    with pytest.raises(ValueError, match="sample must be at least 1"):
        make_plan("uniform", U, seed=0, sample=0)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        make_plan("disagreement", [0.5, 1.5], seed=0, sample=1)
    with pytest.raises(ValueError, match="no units"):
        make_plan("uniform", [], seed=0, sample=1)


@pytest.mark.parametrize(
    ("votes", "score", "expected"),
    [
        ({"a": C, "b": C, "c": C}, None, 0.0),  # unanimous
        ({"a": C, "b": B}, None, 1.0),  # evenly split
        ({"a": C, "b": C, "c": B}, None, 2 / 3),  # mean 2/3
        ({"a": C, "b": C, "c": None}, None, 1 / 3),  # an abstention counts as 1/2: mean 5/6
        ({"a": T, "b": T}, None, 1.0),  # the judges see a tie
        ({"a": C, "b": C}, 0.55, 0.9),  # a pooled score near 1/2
    ],
)
def test_unit_uncertainty_by_hand(votes, score, expected):
    vote = Vote("u", C, votes, asked=tuple(votes), score=score)
    assert unit_uncertainty(vote) == pytest.approx(expected)


def test_a_unit_the_panel_gave_no_verdict_on_is_most_uncertain():
    assert unit_uncertainty(Vote("u", None, {"a": None}, abstain_reason="no judge voted", asked=("a",))) == 1.0
