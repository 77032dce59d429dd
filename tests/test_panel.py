"""Panel specs, verdict parsing and aggregation rules."""

from __future__ import annotations

import math

import pytest

from jury.errors import JuryError
from jury.models.request import ModelReply
from jury.panel.aggregate import judge_vote, majority
from jury.panel.parse import pairwise_letter, yes_probability
from jury.panel.spec import load_panel
from jury.records import Judgment, Preference

from .helpers import write_panel

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def test_yes_probability_sums_token_variants_and_normalises():
    reply = ModelReply(
        "Yes", (("Yes", math.log(0.3)), (" yes", math.log(0.1)), ("No", math.log(0.2)), ("Maybe", math.log(0.3)))
    )
    p, reason = yes_probability(reply)
    assert reason is None and p == pytest.approx(0.4 / 0.6)


def test_yes_probability_abstains_with_a_reason():
    assert yes_probability(ModelReply("", (("Hmm", -0.1),)))[1].startswith("neither Yes nor No")
    assert yes_probability(ModelReply("x"))[1] == "the provider returned no log-probabilities"
    assert "call failed" in yes_probability(ModelReply("", error="Timeout"))[1]


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("A is clearer. [[A]]", "A"),
        ("[[A]] ... on reflection [[B]]", "B"),
        ("tie: [[C]]", "tie"),
        ("I prefer A", None),
    ],
)
def test_pairwise_letter(text, letter):
    assert pairwise_letter(ModelReply(text))[0] == letter


def _j(pref, order="candidate_first"):
    return Judgment("i", "j", "m", "pairwise", order, pref)


def test_judge_vote_combines_orders():
    assert judge_vote([_j(C), _j(C, "baseline_first")]).preference is C
    split = judge_vote([_j(C), _j(B, "baseline_first")])
    assert split.preference is T and split.position_consistent is False
    one = judge_vote([_j(None), _j(B, "baseline_first")])
    assert one.preference is B and one.position_consistent is None
    assert judge_vote([_j(None), _j(None)]).preference is None


def test_majority_with_weights_and_declared_tie_rule():
    w = {"a": 1.0, "b": 1.0, "c": 1.0}
    assert majority("i", {"a": C, "b": C, "c": B}, w, "tie").outcome is C
    assert majority("i", {"a": C, "b": B, "c": None}, w, "tie").outcome is T
    assert majority("i", {"a": C, "b": B, "c": None}, w, "baseline").outcome is B
    assert majority("i", {"a": C, "b": B, "c": B}, {"a": 3.0, "b": 1.0, "c": 1.0}, "tie").outcome is C
    assert majority("i", {"a": None, "b": None}, w, "tie").outcome is None


def test_builtin_panels_load():
    local = load_panel("local")
    assert [j.model for j in local.judges] == ["local/smollm2-135m-instruct", "local/gemma3-270m"]
    assert len({j.family for j in load_panel("poll").judges}) == 3


def test_panel_errors_name_file_and_field(tmp_path):
    path = write_panel(tmp_path, [{"name": "x", "model": "scripted/x", "strategy": "pointwise_probe"}])
    path.write_text(path.read_text().replace("  rule: majority", "  rule: majority\n  colour: red"))
    with pytest.raises(JuryError, match=r"test\.yaml:5: aggregation: unknown key 'colour'"):
        load_panel(str(path))
    path = write_panel(tmp_path, [{"name": "x", "model": "scripted/x", "strategy": "sortition"}])
    with pytest.raises(JuryError, match=r"judges\[0\]\.strategy: unknown strategy 'sortition'"):
        load_panel(str(path))
    (tmp_path / "probe.txt").write_text("{question} {answr}")
    path = write_panel(tmp_path, [{"name": "x", "model": "scripted/x", "strategy": "pointwise_probe"}])
    (tmp_path / "probe.txt").write_text("{question} {answr}")
    with pytest.raises(JuryError, match=r"unknown placeholder '\{answr\}'"):
        load_panel(str(path))
    with pytest.raises(JuryError, match="no panel named 'nope'"):
        load_panel("nope")
