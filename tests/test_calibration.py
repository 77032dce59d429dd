"""Calibration: weights against statsmodels, held-out predictions, labels file, write-back."""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm

from jury.errors import JuryError
from jury.io.labels import LabelledPair, load_labels
from jury.panel.aggregate import panel_votes
from jury.panel.log_odds import logit
from jury.panel.spec import load_panel
from jury.records import JudgeVote, Preference
from jury.stats.calibration import cross_validated_preference, fit_weights, weighted_preference
from jury.workflows.calibrate import calibration_report, item_credit, write_weights

from .test_panel_modes import panel_file

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _data(n: int = 120, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Judge 'good' tracks the human winner, 'noise' is a coin, 'anti' is reversed and weak."""
    rng = np.random.default_rng(seed)
    a_wins = rng.integers(0, 2, n)
    good = np.clip(0.5 + (a_wins - 0.5) * 0.4 + rng.normal(0, 0.15, n), 0, 1)
    noise = rng.uniform(0, 1, n)
    anti = np.clip(0.5 - (a_wins - 0.5) * 0.1 + rng.normal(0, 0.2, n), 0, 1)
    return np.column_stack([good, noise, anti]), a_wins


def test_fit_weights_matches_an_unpenalised_statsmodels_logit_on_mirrored_items():
    scores, a_wins = _data()
    judges = ("good", "noise", "anti")
    evidence = scores - 0.5  # any real-valued evidence for A
    fitted = fit_weights(evidence, a_wins, judges, c=1e9)  # no penalty: the plain maximum likelihood fit
    x = np.vstack([evidence, -evidence])
    y = np.concatenate([a_wins, 1 - a_wins])
    reference = sm.Logit(y, x).fit(disp=0).params
    assert fitted.coefficients == pytest.approx(tuple(reference), rel=1e-3)
    assert fitted.coefficients[0] > 0 > fitted.coefficients[2]
    assert fitted.weights[2] == 0.0 and np.mean(fitted.weights) == pytest.approx(1.0)


def test_weighted_preference_signs_by_hand():
    evidence = [[0.4, -0.3], [0.1, -0.2], [0.0, np.nan]]
    # item 0: 0.4*1 + (-0.3)*1 = +0.1 ; item 1: 0.1*1 - 0.2*1 = -0.1 ; item 2: nothing -> 0
    assert list(weighted_preference(evidence, [1.0, 1.0])) == [1.0, -1.0, 0.0]
    assert list(weighted_preference(evidence, [1.0, 0.0])) == [1.0, 1.0, 0.0]


def _noise(seed: int, n: int = 40, m: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """m judges whose evidence is independent of the human winner: only a fit that saw the labels can score."""
    rng = np.random.default_rng(seed)
    a_wins = np.array([1, 0] * (n // 2))
    rng.shuffle(a_wins)
    return rng.normal(0, 3, (n, m)), a_wins


def _reference_held_out(evidence: np.ndarray, a_wins: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """By hand: sklearn's stratified folds (shuffled, random_state = seed), each fold predicted from weights
    fitted on the other folds only (fit_weights itself is checked against statsmodels above)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.full(len(a_wins), np.nan)
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(evidence, a_wins):
        out[test] = weighted_preference(evidence[test], fit_weights(evidence[train], a_wins[train], names).weights)
    return out


def test_held_out_predictions_are_those_of_fits_on_the_other_folds():
    names = tuple(f"j{k}" for k in range(30))
    evidence, a_wins = _noise(0)
    held = cross_validated_preference(evidence, a_wins, names, folds=5, seed=0)
    assert list(held) == list(_reference_held_out(evidence, a_wins, names))
    scores, a_wins = _data(n=60)
    held = cross_validated_preference(scores - 0.5, a_wins, ("good", "noise", "anti"), folds=5, seed=0)
    assert np.mean(held == np.where(a_wins == 1, 1, -1)) > 0.8  # 'good' carries the signal


def test_held_out_predictions_never_see_their_own_label():
    """Thirty judges of pure noise on 40 items: a fit that has seen an item's label predicts it better than
    chance (in sample: 64% on average over these ten sets), a held-out prediction cannot (43%)."""
    names = tuple(f"j{k}" for k in range(30))
    held, in_sample = [], []
    for seed in range(10):
        evidence, a_wins = _noise(seed)
        truth = np.where(a_wins == 1, 1, -1)
        predicted = cross_validated_preference(evidence, a_wins, names, folds=5, seed=0)
        held.append(np.mean(predicted == truth))
        seen = weighted_preference(evidence, fit_weights(evidence, a_wins, names).weights)
        in_sample.append(np.mean(seen == truth))
    # ten sets of 40 items: the standard error of a mean accuracy is about 0.025 at chance
    assert np.mean(held) < 0.54 and np.mean(in_sample) > 0.58


def test_item_credit():
    assert (item_credit(C, C), item_credit(B, C), item_credit(T, C), item_credit(None, C)) == (1.0, 0.0, 0.5, 0.0)
    assert item_credit(T, T) == 1.0


def test_calibration_report_rows(tmp_path):
    scores, a_wins = _data(n=40)
    path = panel_file(tmp_path, [{"name": n, "strategy": "single"} for n in ("good", "noise", "anti")])
    panel = load_panel(str(path))
    pairs = tuple(LabelledPair(str(k), "q", "a", "b", C if w else B) for k, w in enumerate(a_wins))
    votes = [
        JudgeVote(str(k), name, C if s > 0.5 else B if s < 0.5 else T, None, float(s), logit(float(s)))
        for k in range(len(a_wins))
        for name, s in zip(("good", "noise", "anti"), scores[k], strict=True)
    ]
    report = calibration_report(panel, pairs, votes)
    rows = {r.rater: r for r in report.rows}
    assert set(rows) == {"good", "noise", "anti", "panel (majority)", "calibrated (held out)"}
    good_right = np.mean([(s > 0.5) == bool(w) for s, w in zip(scores[:, 0], a_wins, strict=True)])
    assert rows["good"].accuracy == pytest.approx(good_right)
    assert rows["calibrated (held out)"].accuracy >= rows["panel (majority)"].accuracy
    assert report.weights.weights[0] > report.weights.weights[1]
    best = report.vs_best
    assert best.judge == "good"  # the paired difference is the difference of the two accuracies
    diff = rows["calibrated (held out)"].accuracy - rows["good"].accuracy
    assert best.comparison.mean_difference == pytest.approx(diff)


def test_the_calibrated_row_is_scored_on_held_out_predictions(tmp_path):
    """The report's calibrated row is the held-out accuracy computed by hand, not the fit's own (in sample)."""
    names = tuple(f"j{k}" for k in range(12))
    evidence, a_wins = _noise(1, m=len(names))
    panel = load_panel(str(panel_file(tmp_path, [{"name": n, "strategy": "single"} for n in names])))
    pairs = tuple(LabelledPair(str(k), "q", "a", "b", C if w else B) for k, w in enumerate(a_wins))
    votes = [
        JudgeVote(str(k), n, C if x > 0 else B, None, None, float(x))
        for k in range(len(a_wins))
        for n, x in zip(names, evidence[k], strict=True)
    ]
    report = calibration_report(panel, pairs, votes)
    truth = np.where(a_wins == 1, 1, -1)
    held_out = np.mean(_reference_held_out(evidence, a_wins, names) == truth)
    in_sample = np.mean(weighted_preference(evidence, report.weights.weights) == truth)
    assert held_out != in_sample  # these data tell the two apart
    assert {r.rater: r for r in report.rows}["calibrated (held out)"].accuracy == pytest.approx(held_out)


def test_labels_file_errors(tmp_path):
    good = {"question": "q", "answer_a": "x", "answer_b": "y", "human_winner": "A"}
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "human_winner": "left"}) + "\n")
    with pytest.raises(JuryError, match=r"labels\.jsonl:2: human_winner 'left' \(use a, b or tie\)"):
        load_labels(path)
    path.write_text(json.dumps({**good, "answer_b": 3}) + "\n")
    with pytest.raises(JuryError, match="field 'answer_b' must be text"):
        load_labels(path)
    path.write_text(json.dumps(good) + "\n")
    assert load_labels(path)[0].human is C


def test_write_weights_keeps_comments_and_reloads(tmp_path):
    path = panel_file(
        tmp_path, [{"name": "g1", "strategy": "single", "weight": 1}, {"name": "g2", "strategy": "single"}]
    )
    path.write_text("# my panel\n" + path.read_text())
    fitted = fit_weights(*_data(), ("good", "noise", "anti"))
    write_weights(path, type(fitted)(("g1", "g2"), (1.0, 0.5), (1.3333, 0.6667)))
    panel = load_panel(str(path))
    assert [j.weight for j in panel.judges] == [1.3333, 0.6667] and panel.rule == "log_odds"
    assert path.read_text().startswith("# my panel\n")


def test_calibrate_command_end_to_end_with_scripted_judges(workdir, scripts):
    from typer.testing import CliRunner

    from jury import cli

    from .conftest import Scripted

    rng = np.random.default_rng(3)
    rows = []
    for k in range(30):
        a_better = bool(rng.integers(0, 2))
        good, bad = f"good answer {k}", f"bad answer {k}"
        rows.append(
            {
                "id": f"p{k}",
                "question": f"question {k}",
                "answer_a": good if a_better else bad,
                "answer_b": bad if a_better else good,
                "human_winner": "a" if a_better else "b",
            }
        )
    (workdir / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    scripts["sharp"] = Scripted(reply=lambda p: "Rating: [[9]]" if "good answer" in p else "Rating: [[2]]")
    scripts["flat"] = Scripted(reply=lambda p: "Rating: [[5]]")
    path = panel_file(workdir, [{"name": "sharp", "strategy": "single"}, {"name": "flat", "strategy": "single"}])
    args = ["calibrate", "--panel", str(path), "--labels", "labels.jsonl", "--write-weights"]
    result = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "sharp: coefficient +" in result.output and "calibrated (held out)" in result.output
    panel = load_panel(str(path))
    assert panel.rule == "log_odds"
    assert [j.weight for j in panel.judges] == [2.0, 0.0]  # 'flat' carries no information


def test_escalation_replayed_on_jury_votes_by_hand(tmp_path):
    from jury.panel.aggregate import simulate_escalation

    path = panel_file(tmp_path, [{"name": n, "strategy": "single"} for n in ("x", "y", "z")])
    panel = load_panel(str(path))
    table = {"1": (C, C, B), "2": (C, B, B), "3": (B, T, C), "4": (B, B, C)}
    votes = [JudgeVote(i, n, p) for i, ps in table.items() for n, p in zip("xyz", ps, strict=True)]
    replayed, escalated = simulate_escalation(panel, votes, list(table))
    assert escalated == 2  # items 2 and 3
    assert [v.outcome for v in replayed] == [C, B, T, B]  # item 3: C, T, B split three ways -> tie rule 'tie'
    assert [len(v.asked) for v in replayed] == [2, 3, 3, 2]
    pairs = tuple(LabelledPair(i, "q", "a", "b", h) for i, h in zip(table, (C, B, C, B), strict=True))
    pairs += tuple(LabelledPair(f"p{k}", "q", "a", "b", C if k % 2 else B) for k in range(10))
    votes += [JudgeVote(f"p{k}", n, C if k % 2 else B, None, 0.9 if k % 2 else 0.1) for k in range(10) for n in "xyz"]
    report = calibration_report(panel, pairs, votes)
    e = report.escalation
    assert (e.escalated, e.calls_saved, e.calls_full) == (2, 2 * 12, 6 * 14)
    assert e.agreement_with_jury == 1.0  # majority of three: 1 C, 2 B, 3 tie, 4 B, same as escalation


def test_the_written_panel_file_votes_as_the_calibrated_panel(tmp_path):
    """`--write-weights` must produce a panel whose own votes are the fitted panel's verdicts."""
    scores, a_wins = _data(n=60)
    names = ("good", "noise", "anti")
    log_odds = np.vectorize(logit)(scores)
    fitted = fit_weights(log_odds, a_wins, names)
    path = panel_file(tmp_path, [{"name": n, "strategy": "single"} for n in names])
    path.write_text(path.read_text().replace("  rule: majority\n", ""))  # no rule yet: one is added
    write_weights(path, fitted)
    panel = load_panel(str(path))
    assert panel.rule == "log_odds"
    votes = [
        JudgeVote(str(k), n, C if s > 0.5 else B, None, float(s), float(x))
        for k in range(len(a_wins))
        for n, s, x in zip(names, scores[k], log_odds[k], strict=True)
    ]
    outcomes = [v.outcome for v in panel_votes(panel, votes, [str(k) for k in range(len(a_wins))])]
    expected = weighted_preference(log_odds, [round(w, 4) for w in fitted.weights])
    assert outcomes == [{1.0: C, -1.0: B, 0.0: T}[e] for e in expected]
    assert outcomes.count(C) > 10 and outcomes.count(B) > 10


def test_every_row_is_scored_on_the_same_pairs_ties_included(tmp_path):
    """The calibrated row used to be scored only on pairs with a winner while the judges were scored on
    all of them. One judge, right on every pair with a winner; on the four pairs humans called a tie
    it says tie twice (evidence 0) and candidate twice."""
    from sklearn.metrics import cohen_kappa_score

    panel = load_panel(str(panel_file(tmp_path, [{"name": "good", "strategy": "single"}])))
    winners = [C, B] * 6
    pairs = tuple(LabelledPair(f"w{k}", "q", "a", "b", h) for k, h in enumerate(winners))
    pairs += tuple(LabelledPair(f"t{k}", "q", "a", "b", T) for k in range(4))
    votes = [JudgeVote(f"w{k}", "good", h, None, 0.8 if h is C else 0.2, logit(0.8 if h is C else 0.2))
             for k, h in enumerate(winners)]  # fmt: skip
    votes += [JudgeVote(f"t{k}", "good", T, None, 0.5, 0.0) for k in range(2)]
    votes += [JudgeVote(f"t{k}", "good", C, None, 0.8, logit(0.8)) for k in range(2, 4)]
    report = calibration_report(panel, pairs, votes)
    assert [r.n for r in report.rows] == [16, 16, 16]
    # by hand: 12 winners right, 2 ties said as ties (credit 1), 2 ties called for A (credit 0)
    rows = {r.rater: r for r in report.rows}
    for name in ("good", "panel (majority)", "calibrated (held out)"):
        assert rows[name].accuracy == pytest.approx(14 / 16)
    predicted = [h.value for h in winners] + ["tie", "tie", "candidate", "candidate"]
    human = [h.value for h in winners] + ["tie"] * 4
    assert rows["calibrated (held out)"].kappa.value == pytest.approx(cohen_kappa_score(predicted, human))
    assert report.n_fit == 12 and report.vs_best.comparison.n == 12  # the paired comparison: winners only
