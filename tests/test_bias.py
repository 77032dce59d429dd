"""Bias diagnostics: hand-computed rates, CIs against statsmodels, families, and a whole run."""

from __future__ import annotations

import json
import math

import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from jury import cli
from jury.models.families import model_family
from jury.records import Judgment, Preference, Vote
from jury.stats.bias import (
    clustered_proportion,
    first_position_rate,
    longer_preferred_rate,
    proportion,
    self_preference,
)

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel, write_task

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _j(order: str, pref: Preference | None, item: str = "i") -> Judgment:
    return Judgment(item, "j", "m", "pairwise", order, pref)  # type: ignore[arg-type]


def _both_orders(item: str, first_wins_twice: bool) -> list[Judgment]:
    """A position-biased judge picks the first answer in both orders; a consistent one the same model."""
    if first_wins_twice:
        return [_j("candidate_first", C, item), _j("baseline_first", B, item)]
    return [_j("candidate_first", C, item), _j("baseline_first", C, item)]


def test_first_position_rate_by_hand():
    # first shown wins: cf+C, bf+B, bf+B; second wins: cf+B; ties and abstentions are left out
    judgments = [_j("candidate_first", C), _j("baseline_first", B), _j("baseline_first", B)]
    judgments += [_j("candidate_first", B), _j("candidate_first", T), _j("baseline_first", None)]
    rate = first_position_rate(judgments)
    assert (rate.hits, rate.n, rate.value) == (3, 4, 0.75)


def test_proportion_ci_matches_statsmodels_clopper_pearson():
    p = proportion(7, 23)
    low, high = proportion_confint(7, 23, alpha=0.05, method="beta")
    assert (p.ci_low, p.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_cluster_robust_standard_error_of_a_rate_by_hand():
    # items a: (hit, hit), b: (hit, miss), c: (miss): p = 3/5; per-item residual sums 2 - 1.2, 1 - 1.2, 0 - 0.6
    p = clustered_proportion([True, True, True, False, False], ["a", "a", "b", "b", "c"])
    hand = math.sqrt(3 / 2 * (0.8**2 + 0.2**2 + 0.6**2)) / 5
    assert (p.value, p.hits, p.n) == (0.6, 3, 5)
    assert p.standard_error == pytest.approx(hand, rel=1e-12)
    # one trial per cluster: the exact interval of independent trials, as statsmodels computes it
    single = clustered_proportion([True] * 7 + [False] * 16, list(range(23)))
    assert (single.ci_low, single.ci_high) == pytest.approx(proportion_confint(7, 23, method="beta"), abs=1e-12)
    assert single.standard_error == pytest.approx(proportion(7, 23).standard_error)


@pytest.mark.parametrize("biased_items", [0, 3, 12, 20])
def test_an_items_two_orders_are_one_cluster_and_copies_never_narrow_the_ci(biased_items):
    judgments = [j for k in range(20) for j in _both_orders(f"i{k}", k < biased_items)]
    once = first_position_rate(judgments)
    copied = first_position_rate(judgments + judgments)  # every judgment twice: no new information
    assert copied.value == once.value and copied.n == 2 * once.n
    assert copied.ci_low <= once.ci_low + 1e-12 and copied.ci_high >= once.ci_high - 1e-12
    assert copied.standard_error == pytest.approx(once.standard_error)
    if biased_items == 20:  # always the first answer: 40 hits in 40, but only 20 independent items
        assert (once.ci_low, once.ci_high) == pytest.approx(proportion_confint(20, 20, method="beta"))


def test_a_conversations_turns_are_one_cluster_for_position_and_length():
    one_turn = [j for k in range(15) for j in _both_orders(f"i{k}", k % 3 == 0)]
    two_turns = [j for t in (1, 2) for k in range(15) for j in _both_orders(f"i{k}#turn{t}", k % 3 == 0)]
    items = {f"i{k}#turn{t}": f"i{k}" for k in range(15) for t in (1, 2)}
    once, clustered = first_position_rate(one_turn), first_position_rate(two_turns, items)
    naive = first_position_rate(two_turns)  # each turn its own cluster: twice the evidence, wrongly
    assert clustered.ci_high - clustered.ci_low >= once.ci_high - once.ci_low - 1e-12
    assert naive.ci_high - naive.ci_low < once.ci_high - once.ci_low
    prefs = {f"i{k}#turn{t}": (C, B, B)[k % 3] for k in range(15) for t in (1, 2)}
    lengths = dict.fromkeys(prefs, (30, 10))
    clustered = longer_preferred_rate(prefs, lengths, items)
    single = longer_preferred_rate({u: p for u, p in prefs.items() if u.endswith("1")}, lengths)
    assert (clustered.value, clustered.n) == (single.value, 2 * single.n)
    assert clustered.ci_high - clustered.ci_low >= single.ci_high - single.ci_low - 1e-12


def test_longer_preferred_rate_skips_ties_and_equal_lengths():
    prefs = {"a": C, "b": B, "c": C, "d": T, "e": C}
    lengths = {"a": (10, 5), "b": (10, 5), "c": (3, 9), "d": (10, 5), "e": (4, 4)}
    rate = longer_preferred_rate(prefs, lengths)
    assert (rate.hits, rate.n) == (1, 3)  # only a: the longer candidate won


def test_self_preference_delta_by_hand():
    votes = [
        Vote("1", C, {"own": C, "x": B, "y": T}),
        Vote("2", C, {"own": C, "x": C, "y": B}),
        Vote("3", B, {"own": T, "x": B, "y": None}),
    ]
    (sp,) = self_preference(votes, ["own"], "openai")
    assert sp.win_rate == pytest.approx(2.5 / 3)
    assert sp.others_win_rate == pytest.approx((1 / 3 + 0.25) / 2)  # x: 1/3, y: (0.5 + 0) / 2
    assert sp.delta == pytest.approx(2.5 / 3 - (1 / 3 + 0.25) / 2)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("openai/gpt-4.1-mini", "openai"),
        ("gpt-4o", "openai"),
        ("anthropic/claude-opus-4-1", "anthropic"),
        ("gemini/gemini-2.5-flash", "google"),
        ("local/gemma3-270m", "gemma"),
        ("local/smollm2-135m-instruct", "smollm"),
        ("someone/unknown-model", None),
    ],
)
def test_model_family(model, family):
    assert model_family(model) == family


def test_run_reports_position_bias_and_self_preference(workdir, scripts):
    scripts["first"] = Scripted(reply=lambda p: "[[A]]")  # always the answer shown first
    scripts["kin"] = Scripted(reply=lambda p: "[[A]]" if "[A]\nmine" in p else "[[B]]")  # always the candidate
    task = write_task(workdir / "tasks", ROWS)
    judges = [
        {"name": "first", "model": "scripted/first", "strategy": "pairwise", "family": "google"},
        {"name": "kin", "model": "scripted/kin", "strategy": "pairwise", "family": "openai"},
    ]
    panel = write_panel(workdir / "panels", judges)
    rows = [{"id": r["id"], "output": "mine " + "x" * 40} for r in ROWS]
    (workdir / "mine.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    args = ["run", "--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl"]
    args += ["--candidate-name", "openai/gpt-4o-mini"]
    result = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = next((workdir / "reports").iterdir())
    bias = read_run(report)["bias"]
    assert bias["position"]["first"]["rate"] == 1.0 and bias["position"]["first"]["bias"] == 0.5
    assert bias["position"]["kin"]["rate"] == 0.5
    assert bias["length"]["kin"]["rate"] == 1.0  # the candidate is longer than every baseline and always wins
    (sp,) = bias["self_preference"]
    assert sp["judge"] == "kin" and sp["win_rate"] == 1.0 and sp["delta"] == pytest.approx(0.5)
    assert "Warning: judges of the candidate's family (openai)" in (report / "report.md").read_text()
    assert "warning: judge kin is of the candidate's family (openai)" in " ".join(result.output.split())
    result = CliRunner().invoke(
        cli.app, [*args, "--exclude-same-family"], standalone_mode=False, catch_exceptions=False
    )
    second = next(r for r in (workdir / "reports").iterdir() if r != report)
    data = read_run(second)
    assert [j["name"] for j in data["panel"]["judges"]] == ["first"]
    assert data["bias"]["excluded_same_family"] == ["kin"] and data["bias"]["self_preference"] == []


def test_excluding_every_judge_is_an_error_naming_the_panel(tmp_path):
    from jury.errors import JuryError
    from jury.panel.spec import load_panel, without_family

    path = write_panel(tmp_path, [{"name": "a", "model": "scripted/a", "strategy": "pairwise", "family": "openai"}])
    panel = load_panel(str(path))
    assert without_family(panel, "google") == (panel, ())
    with pytest.raises(JuryError, match="would leave panel 'test' without a usable set of judges"):
        without_family(panel, "openai")
