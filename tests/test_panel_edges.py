"""Panel edge cases: ties decided up to floating-point rounding, and weights that cannot vote."""

from __future__ import annotations

import pytest

from jury.errors import JuryError
from jury.panel.aggregate import majority, panel_votes, pooled
from jury.panel.spec import load_panel
from jury.panel.strategies import preference_from_difference
from jury.records import JudgeVote, Preference
from jury.stats.calibration import weighted_preference

from .test_panel_modes import panel_file

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def test_weights_that_sum_to_the_same_total_are_a_tie():
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point: exact equality calls this a win
    weights = {"a": 0.1, "b": 0.2, "c": 0.3}
    votes = {"a": C, "b": C, "c": B}
    assert majority("i", votes, weights, "tie").outcome is T
    assert majority("i", votes, weights, "baseline").outcome is B
    # a real difference in weight still decides
    assert majority("i", votes, {"a": 0.1, "b": 0.2, "c": 0.29}, "tie").outcome is C


def test_a_weighted_panel_file_ties_on_one_tenth_plus_two_tenths(tmp_path):
    judges = [{"name": n, "strategy": "single", "weight": w} for n, w in (("a", 0.1), ("b", 0.2), ("c", 0.3))]
    panel = load_panel(str(panel_file(tmp_path, judges, rule="weighted")))
    votes = [JudgeVote("u", "a", C), JudgeVote("u", "b", C), JudgeVote("u", "c", B)]
    assert panel_votes(panel, votes, ["u"])[0].outcome is T  # the panel file's tie_rule is 'tie'


def test_score_differences_at_the_margin_are_ties_up_to_rounding():
    assert preference_from_difference((0.1 + 0.2) - 0.3, 0.0) is T  # 5.6e-17, not a preference
    assert preference_from_difference(0.3 - (0.1 + 0.2), 0.0) is T
    assert preference_from_difference(0.07 - 0.05, 0.02) is T  # 0.020000000000000004 at margin 0.02
    assert preference_from_difference(0.021, 0.02) is C
    assert preference_from_difference(-1e-6, 0.0) is B  # a millionth is a (weak) preference


def test_pooled_average_that_is_even_up_to_rounding_is_a_tie():
    # (0.1 * 0.4 + 0.2 * 0.4 + 0.3 * 0.6) / 0.6 is exactly ½ on paper, 0.5000000000000001 in floating point
    weights = {"a": 0.1, "b": 0.2, "c": 0.3}
    scores = {"a": 0.4, "b": 0.4, "c": 0.6}
    assert pooled("u", dict.fromkeys(weights, C), scores, "average", 0.0, weights).outcome is T
    scores["c"] = 0.61
    assert pooled("u", dict.fromkeys(weights, C), scores, "average", 0.0, weights).outcome is C


def test_calibrated_weighted_sum_that_cancels_up_to_rounding_is_even():
    # log-odds +0.3 against 0.1 + 0.2: the weighted sum is -5.6e-17, an even split on paper
    assert list(weighted_preference([[0.3, -(0.1 + 0.2)], [0.3, -0.2]], [1.0, 1.0])) == [0.0, 1.0]


def test_all_zero_weights_are_refused_when_the_panel_loads(tmp_path):
    judges = [{"name": n, "strategy": "single", "weight": 0} for n in ("a", "b")]
    path = panel_file(tmp_path, judges, rule="weighted")
    with pytest.raises(JuryError, match=r"panel\.yaml: judges\[\]\.weight: every judge's weight is 0") as err:
        load_panel(str(path))
    assert "\n" not in str(err.value)
    judges[1]["weight"] = 0.5  # one judge with weight: loads
    assert load_panel(str(panel_file(tmp_path, judges, rule="weighted"))).judges[1].weight == 0.5


def test_judges_of_weight_zero_alone_make_an_abstention_under_every_rule():
    """A weight-0 judge voting alone carries no weight: the weighted majority abstains, as pooling does."""
    weights = {"a": 0.0, "b": 1.0}
    assert majority("i", {"a": C, "b": None}, weights, "candidate").outcome is None
    assert pooled("i", {"a": C, "b": None}, {"a": 0.9}, "average", 0.0, weights).outcome is None
