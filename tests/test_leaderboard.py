"""Leaderboards on a board folder with scripted judges: submit, validate, replace, rank, render."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from jury.errors import JuryError

from .conftest import Scripted
from .helpers import write_panel, write_task
from .report_fixtures import HOSTILE, invoke, probe_oracle, setup_scripts, total_calls

EVIL_NAME = "<b>evil</b> | model"
SEEDS = range(10)  # the board's bootstrap seed: the ratings must not depend on a lucky one
ROWS = [{"id": f"q{k}", "instruction": f"Question {k}?", "reference": f"r{k}", "baseline": f"r{k}" if k < 4 else "no"}
        for k in range(12)]  # fmt: skip
# the baseline is right on q0-q3 only. GOOD is right on every item but q2 (8 wins, 3 ties, 1 loss: some
# bootstrap resamples draw none of its ties or its loss); BAD on q0, q4 and q5, hostile text on q11
GOOD = {f"q{k}": f"r{k}" if k != 2 else "no" for k in range(12)}
BAD = {f"q{k}": f"r{k}" if k in (0, 4, 5) else ("no" if k != 11 else HOSTILE) for k in range(12)}
# the oracle panel's verdicts by hand, q0..q11 (1 win, 0.5 tie, 0 loss): right against right or wrong
# against wrong is a tie. GOOD: 8 wins, 3 ties, 1 loss; BAD: 2 wins, 7 ties, 3 losses
GOOD_SCORES = (0.5, 0.5, 0.0, 0.5) + (1.0,) * 8
BAD_SCORES = (0.5, 0.0, 0.0, 0.0, 1.0, 1.0) + (0.5,) * 6
ELO = 400 / math.log(10)  # Elo points per unit of natural log-odds


def _elo_by_hand(scores: np.ndarray) -> np.ndarray:
    """Every model meets only the baseline (the anchor, 1000): the Bradley-Terry maximum-likelihood rating
    is then the log-odds of its own record, ties half a win: 1000 + ELO * ln(wins / losses)."""
    with np.errstate(divide="ignore"):
        return 1000 + ELO * (np.log(scores.sum(axis=-1)) - np.log((1 - scores).sum(axis=-1)))


def _bootstrap_by_hand(seed: int, rounds: int = 500) -> tuple[np.ndarray, np.ndarray, int]:
    """The board's percentile bootstrap replayed (stats.bradley_terry: one `rng.integers(0, n, n)` per round
    over the battles, GOOD's then BAD's): (2.5% bounds, 97.5% bounds, rounds where a model never lost or
    never won). Those rounds have no finite rating (here: +-inf); while they are fewer than a tail's
    12.5, they leave both percentiles to the ordinary rounds."""
    scores, model = np.array(GOOD_SCORES + BAD_SCORES), np.repeat([0, 1], 12)
    rng = np.random.default_rng(seed)
    elo = np.empty((rounds, 2))
    for r in range(rounds):
        idx = rng.integers(0, scores.size, scores.size)
        elo[r] = [_elo_by_hand(scores[idx][model[idx] == m]) for m in (0, 1)]
    return np.percentile(elo, 2.5, axis=0), np.percentile(elo, 97.5, axis=0), int((~np.isfinite(elo)).any(1).sum())


def make_board(workdir, scripts):
    setup_scripts(workdir, scripts)
    scripts["oracle2"] = Scripted(reply=lambda p: "Yes", p_yes=probe_oracle)
    board = workdir / "board"
    write_task(board / "task", ROWS)
    write_panel(
        board / "panel",
        [
            {"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"},
            {"name": "oracle2", "model": "scripted/oracle2", "strategy": "pointwise_probe"},
        ],
    )
    (board / "board.yaml").write_text("name: mini-board\ntask: task/mini.yaml\npanel: panel/test.yaml\n")
    return board


def outputs_file(path, answers):
    path.write_text("".join(json.dumps({"id": r["id"], "output": answers[r["id"]]}) + "\n" for r in ROWS))
    return path


def submit(board, path, model, *extra):
    return invoke("leaderboard", "submit", "--board", str(board), "--outputs", str(path), "--model", model, *extra)


def _csv(board):
    return list(csv.DictReader(io.StringIO((board / "leaderboard.csv").read_text())))


def test_submissions_are_judged_ranked_and_rendered(workdir, scripts):
    board = make_board(workdir, scripts)
    assert submit(board, outputs_file(workdir / "good.jsonl", GOOD), "good-model").exit_code == 0
    assert submit(board, outputs_file(workdir / "bad.jsonl", BAD), EVIL_NAME).exit_code == 0
    rows = _csv(board)
    assert [r["model"] for r in rows] == ["good-model", EVIL_NAME]
    good, bad = rows
    assert (float(good["win_rate"]), float(bad["win_rate"])) == pytest.approx((9.5 / 12, 5.5 / 12))
    # the point ratings are the plain maximum-likelihood fit: 1232 and 971
    assert (float(good["elo"]), float(bad["elo"])) == pytest.approx(
        tuple(_elo_by_hand(np.array([GOOD_SCORES, BAD_SCORES]))), abs=1e-3
    )
    assert good["n_items"] == "12" and good["panel"] == "test"
    page = (board / "leaderboard.html").read_text()
    assert "&lt;b&gt;evil&lt;/b&gt;" in page and "<b>evil" not in page
    assert 'data-plot="win-rate"' in page and 'data-plot="bt-rating"' in page
    md = (board / "leaderboard.md").read_text()
    assert "\\| model" in md  # the pipe in the name is escaped, the table keeps its columns
    # each submission kept a full report
    assert len(list((board / "results").iterdir())) == 2
    config = (board / "board.yaml").read_text()
    for seed in SEEDS:  # every model is rated, with the bounds of the bootstrap by hand, whatever it draws
        (board / "board.yaml").write_text(config + f"seed: {seed}\n")
        assert invoke("leaderboard", "show", str(board)).exit_code == 0
        low, high, degenerate = _bootstrap_by_hand(seed)
        assert 0 < degenerate < 12.5, seed  # the data exercise resamples without a finite fit, every seed
        md = (board / "leaderboard.md").read_text()
        assert f"In {degenerate} of 500 bootstrap resamples a model never lost or never won" in md, seed
        rows = _csv(board)
        assert [r["model"] for r in rows] == ["good-model", EVIL_NAME], seed
        for r, lo, hi in zip(rows, low, high, strict=True):
            assert (float(r["elo_low"]), float(r["elo_high"])) == pytest.approx((lo, hi), abs=1e-3), (seed, r)


def test_show_rerenders_without_model_calls(workdir, scripts):
    board = make_board(workdir, scripts)
    submit(board, outputs_file(workdir / "good.jsonl", GOOD), "good-model")
    (board / "leaderboard.csv").unlink()
    before = total_calls(scripts)
    for s in scripts.values():
        s.fail_with = RuntimeError("show must not call a model")
    result = invoke("leaderboard", "show", str(board))
    assert result.exit_code == 0, result.output
    assert total_calls(scripts) == before
    assert [r["model"] for r in _csv(board)] == ["good-model"]


def test_resubmitting_needs_replace_and_keeps_history(workdir, scripts):
    board = make_board(workdir, scripts)
    first = outputs_file(workdir / "v1.jsonl", BAD)
    submit(board, first, "m")
    with pytest.raises(JuryError, match="already on board"):
        submit(board, outputs_file(workdir / "v2.jsonl", GOOD), "m")
    assert submit(board, workdir / "v2.jsonl", "m", "--replace").exit_code == 0
    log = [json.loads(line) for line in (board / "submissions.jsonl").read_text().splitlines()]
    assert [e["model"] for e in log] == ["m", "m"]
    assert log[1]["replaces"] == log[0]["run_id"]
    assert all((board / e["submission"]).is_file() for e in log)  # the old file is kept
    (row,) = _csv(board)
    assert row["submissions"] == "2" and row["run_id"] == log[1]["run_id"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"id": "q1", "output": "2"}], "no output"),  # incomplete
        ([{"id": r["id"], "output": "x"} for r in ROWS] + [{"id": "q9", "output": "x"}], "q9"),  # unknown id
        ([{"id": r["id"], "output": "x"} for r in ROWS] + [{"id": "q1", "output": "y"}], "q1"),  # duplicate id
    ],
)
def test_invalid_submissions_are_refused_before_anything_is_stored(workdir, scripts, lines, message):
    board = make_board(workdir, scripts)
    path = workdir / "sub.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(JuryError, match=message):
        submit(board, path, "m")
    assert not (board / "submissions").exists() and not (board / "submissions.jsonl").exists()
    assert total_calls(scripts) == 0


def test_the_baseline_name_cannot_be_submitted(workdir, scripts):
    board = make_board(workdir, scripts)
    with pytest.raises(JuryError, match="baseline"):
        submit(board, outputs_file(workdir / "g.jsonl", GOOD), "base")
