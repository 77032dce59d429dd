"""The human-anchored win rate of a run: human labels (from `jury label` or an annotation export) and the
panel's verdicts combined by PPI++, reported in every format, with each judge's agreement with the humans.
The figures are checked against the estimator and scikit-learn called by hand on the same data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError
from jury.labels.session import LabelSession
from jury.records import Preference
from jury.results.runlog import load_run
from jury.stats.label_sampling import uniform_plan
from jury.stats.ppi import human_anchored_win_rate

from .conftest import Scripted
from .helpers import read_run, write_panel, write_task
from .label_fixtures import make_run

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _human(unit_id: str) -> str:
    """The 'human': prefers the candidate on units whose number is divisible by 3, else the baseline."""
    k = int("".join(ch for ch in unit_id.split("#")[0] if ch.isdigit()))
    return "1" if k % 3 == 0 else "2"


def _label(run, n: int, labeller: str = "ann") -> LabelSession:
    """`n` labels through the labelling session (keys 1/2 are relative to the order shown)."""
    s = LabelSession(run, labeller=labeller, strategy="uniform", seed=0, sample=n, via="web")
    while (pair := s.current()) is not None:
        first_is_candidate = pair.order == "candidate_first"
        wants_candidate = _human(pair.unit.unit_id) == "1"
        s.act("1" if wants_candidate == first_is_candidate else "2")
    return s


def test_labels_anchor_the_run_and_match_the_estimator_called_by_hand(tmp_path):
    run = make_run(tmp_path / "run", n_single=40)
    _label(run, 15)
    result = load_run(run.report_dir)
    h = result.human
    assert h is not None and h.n_labels == 15 and h.n_in_sample == 15 and "uniform" in h.design
    # by hand: the plan's first 15 units, the panel's verdicts as predictions, inclusion 15/40
    units = [x.unit for x in uniform_plan(40, seed=0)[:15]]
    outcomes = {v.unit_id: v.outcome for v in result.votes}
    predictions = [outcomes[u.unit_id].score for u in result.units]
    human = [1.0 if _human(result.units[k].unit_id) == "1" else 0.0 for k in units]
    expected = human_anchored_win_rate(predictions, [u.item.item_id for u in result.units], units, human,
                                       [15 / 40] * 15, strata=[0] * 15)  # fmt: skip
    assert h.estimate == expected
    # the panel against the humans: scikit-learn's kappa on the same 15 units
    panel = [outcomes[result.units[k].unit_id].value for k in units]
    humans = [C.value if y == 1.0 else B.value for y in human]
    (row,) = [a for a in h.agreement if a.rater == "panel"]
    assert row.n == 15 and row.kappa.value == pytest.approx(cohen_kappa_score(panel, humans))
    assert row.agreement == pytest.approx(np.mean([p == q for p, q in zip(panel, humans, strict=True)]))


def test_every_report_shows_the_three_rates_and_the_agreement(tmp_path):
    run = make_run(tmp_path / "run", n_single=30)
    _label(run, 12)
    out = CliRunner().invoke(cli.app, ["report", str(run.report_dir)], terminal_width=200)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "Human-anchored win rate (PPI++):" in text and "Humans only (12 labels):" in text
    assert "The panel was worth" in text and "agreement with the human labels" in text
    md = (run.report_dir / "report.md").read_text()
    assert "## Against human labels" in md and "| panel | 12 |" in md
    html = (run.report_dir / "report.html").read_text()
    assert 'data-plot="human-anchored"' in html and html.count("human-anchored (PPI++)") >= 1
    results = json.loads((run.report_dir / "run.json").read_text())["results"]["human_anchored"]
    assert results["n_labels"] == 12 and results["estimate"]["humans_only"]["win_rate"] is not None
    assert {r["rater"] for r in results["agreement_with_humans"]} == {"judge-p", "judge-q", "panel"}


def test_too_few_labels_say_why_there_is_no_estimate_yet(tmp_path):
    run = make_run(tmp_path / "run", n_single=10)
    s = LabelSession(run, labeller="ann", strategy="disagreement", seed=0, sample=1, via="web")
    s.act("1")  # one label: the second stratum has none yet
    h = load_run(run.report_dir).human
    assert h is not None and h.estimate is None and "every stratum needs a label" in h.reason


@pytest.fixture()
def scripted_run(workdir, scripts):
    rows = [
        {"id": f"q{k}", "instruction": f"Question {k}?", "reference": f"ans{k}", "baseline": "x"} for k in range(12)
    ]
    task = write_task(workdir / "tasks", rows)
    scripts["cand"] = Scripted(reply=lambda p: "ans" + p.split()[1].rstrip("?"))
    scripts["judge"] = Scripted(reply=lambda p: "[[A]]")
    panel = write_panel(workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pairwise"}])
    return ["run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel)]


def test_run_with_an_export_of_human_labels_reports_the_anchored_rate(workdir, scripted_run):
    export = workdir / "annotations.csv"
    export.write_text("item_id,winner\n" + "".join(f"q{k},{'candidate' if k % 2 else 'tie'}\n" for k in range(6)))
    result = CliRunner().invoke(cli.app, [*scripted_run, "--human-labels", str(export)], terminal_width=200)
    assert result.exit_code == 0, result.output
    data = read_run(next((workdir / "reports").iterdir()))
    anchored = data["human_anchored"]
    assert anchored["n_labels"] == 6 and "simple random sample" in anchored["design"]
    assert anchored["estimate"]["humans_only"]["win_rate"] == pytest.approx((3 * 1 + 3 * 0.5) / 6)
    assert "Human-anchored win rate" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("item_id,winner\nq1,candidate\nq99,baseline\n", r"annotations\.csv:3: item 'q99' is not in run"),
        ("item_id,winner\nq1,maybe\n", r"annotations\.csv:2: unknown winner 'maybe'"),
    ],
)
def test_a_bad_export_is_refused_before_any_call_and_nothing_is_written(workdir, scripts, scripted_run, content,
                                                                        message):  # fmt: skip
    export = workdir / "annotations.csv"
    export.write_text(content)
    result = CliRunner().invoke(cli.app, [*scripted_run, "--human-labels", str(export)])
    assert isinstance(result.exception, JuryError) and result.exception.one_line()
    assert __import__("re").search(message, result.exception.one_line()), result.exception.one_line()
    assert not (workdir / "reports").exists() and scripts["cand"].calls == [] and scripts["judge"].calls == []


def test_another_runs_labels_file_is_refused(workdir, scripted_run, tmp_path):
    other = make_run(tmp_path / "other", n_single=12, run_id="run-other")
    _label(other, 3)
    result = CliRunner().invoke(
        cli.app, [*scripted_run, "--human-labels", str(other.report_dir / "human_labels.jsonl")]
    )
    assert isinstance(result.exception, JuryError)
    assert "labels of run 'run-other'" in result.exception.one_line()
    assert not (workdir / "reports").exists()


def test_a_board_shows_the_human_anchored_rate_of_a_labelled_submission_and_says_so(workdir, scripts):
    from .report_fixtures import invoke
    from .test_leaderboard import BAD, GOOD, make_board, outputs_file, submit

    board = make_board(workdir, scripts)
    submit(board, outputs_file(workdir / "g.jsonl", GOOD), "good")
    submit(board, outputs_file(workdir / "b.jsonl", BAD), "bad")
    (good_run,) = (p for p in (board / "results").iterdir() if read_run(p)["candidate"] == "good")
    units = read_run(good_run)["task"]["n_items"]
    export = workdir / "humans.csv"
    export.write_text("item_id,winner\n" + "".join(f"q{k},baseline\n" for k in range(units)))  # every pair: a census
    assert invoke("label", str(good_run), "--import", str(export)).exit_code == 0
    assert invoke("leaderboard", "show", str(board)).exit_code == 0
    md = (board / "leaderboard.md").read_text()
    assert "H 0.0% [0.0%, 0.0%]" in md  # every human preferred the baseline: the census is exact
    assert "H: the win rate is anchored to human labels (PPI++: good 12 labels)" in " ".join(md.split())
    row = next(line for line in (board / "leaderboard.csv").read_text().splitlines() if ",good," in line)
    assert row.endswith(",0.0,0.0,0.0,12")
