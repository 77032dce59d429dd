"""`jury run --candidate-outputs`: judge imported answers; --allow-partial drops and counts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel, write_task


def _probe_oracle(prompt: str) -> float:
    ref = prompt.split("Ref: ")[1].split("\n")[0].lower()
    answer = prompt.split("Answer: ")[1].split("\nCorrect:")[0].lower()
    return 0.9 if ref in answer else 0.1


@pytest.fixture()
def setup(workdir, scripts):
    scripts["oracle"] = Scripted(reply=lambda p: "Yes", p_yes=_probe_oracle)
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels", [{"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"}]
    )
    return task, panel


def _run(*args: str):
    return CliRunner().invoke(cli.app, ["run", *args], standalone_mode=False, catch_exceptions=False)


def _results(workdir) -> dict:
    return read_run(next((workdir / "reports").iterdir()))


def test_imported_alpaca_eval_candidate_is_judged_without_generating(setup, workdir, scripts):
    task, panel = setup
    # right on q1, q2, q4 (reference contained), wrong on q3; matched by instruction text
    answers = {"q1": "2", "q2": "Rome", "q3": "left", "q4": "green"}
    records = [{"instruction": r["instruction"], "output": answers[r["id"]], "generator": "my-finetune"} for r in ROWS]
    (workdir / "mine.json").write_text(json.dumps(records))
    result = _run("--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.json")
    assert result.exit_code == 0, result.output
    data = _results(workdir)
    assert data["candidate"] == "my-finetune"
    # baselines: q1 right (tie), q2 wrong (win), q3 right (loss), q4 wrong (win) -> 2.5 / 4
    assert data["result"]["win_rate"] == pytest.approx(0.625)
    assert data["task"]["n_dropped"] == 0
    assert len(scripts["oracle"].calls) == 8  # judging only: no generation call


def test_missing_outputs_fail_unless_allow_partial(setup, workdir):
    task, panel = setup
    (workdir / "mine.jsonl").write_text('{"id": "q1", "output": "2"}\n{"id": "q2", "output": "Rome"}\n')
    args = ("--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.jsonl")
    with pytest.raises(Exception, match=r"no output for 2 task item\(s\): q3, q4 .*--allow-partial"):
        _run(*args)
    assert not (workdir / "reports").exists()

    result = _run(*args, "--allow-partial")
    assert result.exit_code == 0, result.output
    data = _results(workdir)
    assert data["task"]["n_items"] == 2 and data["task"]["n_dropped"] == 2
    assert data["task"]["dropped_items"] == ["q3", "q4"]
    assert data["result"]["n_judged"] == 2
    assert "2 dropped" in result.output


def test_columns_map_a_csv_of_outputs(setup, workdir):
    task, panel = setup
    lines = ["id,answer"] + [f"{r['id']},{r['reference']}" for r in ROWS]
    (workdir / "mine.csv").write_text("\n".join(lines) + "\n")
    args = ("--task", str(task), "--panel", str(panel), "--candidate-outputs", "mine.csv")
    with pytest.raises(Exception, match=r"mine\.csv:2: no 'output' column .*--columns output=COLUMN"):
        _run(*args)
    with pytest.raises(Exception, match=r"column 'answr' \(mapped to 'output' by --columns\) not found"):
        _run(*args, "--columns", "output=answr")
    result = _run(*args, "--columns", "output=answer", "--candidate-name", "ft-v2")
    assert result.exit_code == 0, result.output
    assert _results(workdir)["candidate"] == "ft-v2"  # the file names no model; the flag does


def test_jury_judge_judges_an_outputs_file_and_requires_one(setup, workdir, scripts):
    task, panel = setup
    rows = [{"id": r["id"], "output": r["reference"]} for r in ROWS]
    (workdir / "mine.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    runner = CliRunner()
    args = ["judge", "--task", str(task), "--panel", str(panel)]
    result = runner.invoke(cli.app, [*args, "--candidate-outputs", "mine.jsonl"], standalone_mode=False)
    assert result.exit_code == 0, result.output
    # the candidate is always right: ties on q1 and q3 (baseline right), wins on q2 and q4 -> 3 / 4
    assert _results(workdir)["result"]["win_rate"] == pytest.approx(0.75)
    assert len(scripts["oracle"].calls) == 8
    refused = runner.invoke(cli.app, args)  # a usage error: click's exit 2, naming the missing option
    assert refused.exit_code == 2 and "Missing option '--candidate-outputs'" in refused.output
