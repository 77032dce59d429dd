"""Labelling plans: the labelling tool asks exactly jury.stats.label_sampling's stratified plans (whose
inclusion probabilities and unbiasedness tests/test_stats_label_sampling.py checks by enumeration), seeded,
prefix-stable, conversations kept whole; the panel's uncertainty of a unit by hand."""

from __future__ import annotations

import pytest

from jury.labels.plan import make_plan
from jury.labels.uncertainty import unit_uncertainty
from jury.records import Preference, Vote
from jury.stats.label_sampling import disagreement_plan, uniform_plan

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
U = [0.0, 1.0, 0.5, 0.0, 1.0, 0.25, 0.0, 0.0]
CLUSTERS = ["a", "a", "b", "c", "c", "d", "e", "f"]  # two two-turn conversations


def test_uniform_plan_is_the_seeded_single_stratum_order():
    plan = make_plan("uniform", U, CLUSTERS, seed=3)
    assert plan.labels == uniform_plan(8, seed=3) and plan.population == 8
    assert sorted(x.unit for x in plan.labels) == list(range(8)) and {x.stratum for x in plan.labels} == {0}
    assert plan.asked(5) == plan.labels[:5]  # asking for more later continues the same order
    assert [x.unit for x in make_plan("uniform", U, CLUSTERS, seed=4).labels] != [x.unit for x in plan.labels]


def test_disagreement_plan_keeps_conversations_in_one_stratum_and_asks_the_unsure_first():
    plan = make_plan("disagreement", U, CLUSTERS, seed=1)
    assert plan.labels == disagreement_plan(U, CLUSTERS, seed=1)
    stratum_of = {x.unit: x.stratum for x in plan.labels}
    assert stratum_of[0] == stratum_of[1] and stratum_of[3] == stratum_of[4]  # whole conversations
    assert plan.labels[0].stratum == 0  # stratum 0: where the panel is least sure
    assert sum(U[x.unit] for x in plan.labels if x.stratum == 0) > sum(U[x.unit] for x in plan.labels if x.stratum)


def test_bad_plan_arguments_raise_value_error():
    with pytest.raises(ValueError, match="unknown strategy"):
        make_plan("stratified", U, CLUSTERS, seed=0)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        make_plan("disagreement", [0.5, 1.5], ["a", "b"], seed=0)
    with pytest.raises(ValueError, match="no units"):
        make_plan("uniform", [], [], seed=0)


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
