"""The leaderboard's length-controlled column, through `jury leaderboard submit`: a terse model that
loses almost everything must not get a high LC rate (before the fix each model was fitted alone,
without instruction difficulty, and such a model got about 3x its true rate)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import Scripted
from .helpers import write_panel, write_task
from .lc_fixtures import MODELS, glm_board
from .report_fixtures import invoke

SEED = 0


def _text(tag: str, length: int) -> str:
    """An answer of exactly `length` characters that tells the scripted judge how to vote."""
    return (tag + " " + "x" * length)[: max(length, len(tag))]


def _probe(prompt: str) -> float:
    answer = prompt.split("Answer: ")[1].split("\nCorrect:")[0]
    return 0.9 if answer.startswith("WIN") else 0.1 if answer.startswith("LOSE") else 0.5


def make_board(workdir, scripts) -> tuple:
    battles, truth = glm_board(SEED)
    scripts["judge"] = Scripted(reply=lambda p: "Yes", p_yes=_probe)
    items = list(dict.fromkeys(battles["item"]))
    base = battles.drop_duplicates("item").set_index("item")["baseline_length"]
    rows = [
        {"id": i, "instruction": f"Question {i}?", "reference": "r", "baseline": _text("BASE", int(base[i]))}
        for i in items
    ]
    board = workdir / "board"
    write_task(board / "task", rows)
    write_panel(board / "panel", [{"name": "judge", "model": "scripted/judge", "strategy": "pointwise_probe"}])
    (board / "board.yaml").write_text("name: lc-board\ntask: task/mini.yaml\npanel: panel/test.yaml\n")
    return board, battles, truth


def test_a_terse_model_that_loses_almost_everything_gets_no_high_lc_rate(workdir, scripts, monkeypatch):
    monkeypatch.setattr("jury.leaderboard.standings.BT_ROUNDS", 20)  # the ratings are not under test: fast
    board, battles, truth = make_board(workdir, scripts)
    for model in MODELS:
        mine = battles[battles["model"] == model]
        path = workdir / f"{model}.jsonl"
        path.write_text(
            "".join(
                json.dumps({"id": r.item, "output": _text("WIN" if r.score else "LOSE", int(r.candidate_length))})
                + "\n"
                for r in mine.itertuples()
            )
        )
        result = invoke("leaderboard", "submit", "--board", str(board), "--outputs", str(path), "--model", model)
        assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in csv.DictReader(io.StringIO((board / "leaderboard.csv").read_text()))}
    terse = rows["terse"]
    assert float(terse["win_rate"]) == pytest.approx(battles.loc[battles["model"] == "terse", "score"].mean())
    assert float(terse["lc_win_rate"]) < 0.2  # before the fix: 0.33
    assert float(terse["lc_win_rate"]) == pytest.approx(truth["terse"], abs=0.06)
    for model in MODELS:  # every model is rated, near its true rate at equal length (80 items: loose)
        assert float(rows[model]["lc_win_rate"]) == pytest.approx(truth[model], abs=0.1)
        assert 0 < float(rows[model]["lc_standard_error"]) < 0.1
    # a rate the cap set says so: marked in the page, explained in the CSV
    capped = [m for m in MODELS if "capped at the board's pooled length weight" in rows[m]["lc_note"]]
    assert capped and "†" in (board / "leaderboard.md").read_text()
