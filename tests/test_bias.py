"""Bias diagnostics: hand-computed rates, CIs against statsmodels, families, and a whole run."""

from __future__ import annotations

import json

import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from jury import cli
from jury.models.families import model_family
from jury.records import Judgment, Preference, Vote
from jury.stats.bias import first_position_rate, longer_preferred_rate, proportion, self_preference

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel, write_task

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _j(order: str, pref: Preference | None) -> Judgment:
    return Judgment("i", "j", "m", "pairwise", order, pref)  # type: ignore[arg-type]


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
