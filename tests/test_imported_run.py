"""`jury run --candidate-outputs`: judge imported answers; --allow-partial drops and counts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.workflows.estimate import estimate
from jury.workflows.pipeline import RunConfig

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


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path.name


def test_rows_beyond_limit_are_fine_unknown_ids_are_refused(setup, workdir, scripts):
    task, panel = setup
    every = [{"id": r["id"], "output": r["reference"]} for r in ROWS]
    args = ("--task", str(task), "--panel", str(panel), "--limit", "2", "--candidate-outputs")
    result = _run(*args, _jsonl(workdir / "every.jsonl", every))
    assert result.exit_code == 0, result.output
    assert _results(workdir)["task"]["n_items"] == 2
    assert not any("Opposite of up?" in c or "Colour of grass?" in c for c in scripts["oracle"].calls)
    stray = _jsonl(workdir / "stray.jsonl", [*every, {"id": "q9", "output": "9"}])
    for extra in ((), ("--allow-partial",)):
        with pytest.raises(Exception, match=r"stray\.jsonl:5: the row for id 'q9' matches no item of the task"):
            _run(*args, stray, *extra)
    assert len(list((workdir / "reports").iterdir())) == 1  # the refused runs wrote nothing


def test_an_empty_answer_is_judged_and_identical_answers_tie_without_a_call(setup, workdir, scripts):
    task, panel = setup
    # q1 empty (judged: it loses to "It is 2."), q2 the baseline's own text, q3 ties, q4 wins
    answers = {"q1": "", "q2": "Milan.", "q3": "down", "q4": "green"}
    name = _jsonl(workdir / "mine.jsonl", [{"id": k, "output": v} for k, v in answers.items()])
    planned = estimate(RunConfig(task=str(task), panel=str(panel), candidate_outputs=workdir / name))
    assert planned.judge_exact and planned.judge_calls == 6  # the estimate leaves the identical pair out too
    result = _run("--task", str(task), "--panel", str(panel), "--candidate-outputs", name)
    assert result.exit_code == 0, result.output
    calls = scripts["oracle"].calls
    assert len(calls) == 6 and not any("Capital of Italy?" in c for c in calls)  # 3 pairs, 2 probes each
    assert "Q: What is 1+1?\nRef: 2\nAnswer: \nCorrect:" in calls  # the judge saw the empty answer
    data = _results(workdir)
    r = data["result"]
    assert (r["n_wins"], r["n_ties"], r["n_losses"], r["n_abstained"]) == (1, 2, 1, 0)
    assert r["win_rate"] == pytest.approx(0.5)  # (0 + ½ + ½ + 1) / 4: the identical pair counts ½
    assert data["n_identical"] == 1 and data["n_empty_answers"] == {"candidate": 1, "baseline": 0}
    (q2,) = [v for v in data["panel_votes"]["items"] if v["unit_id"] == "q2"]
    assert q2["outcome"] == "tie" and q2["identical"] and q2["asked"] == []
    assert data["judges"][0]["own_n_judged"] == 3  # the judge's own row holds only what it judged
    line = "identical answers: 1 (tie, no judge call); empty answers: candidate 1, baseline 0"
    assert line in " ".join(result.output.split())
    folder = next((workdir / "reports").iterdir())
    for report in ("report.md", "report.html"):
        assert line in (folder / report).read_text()
    assert "q2,tie,identical answers," in (folder / "items.csv").read_text()
    again = _run("--task", str(task), "--panel", str(panel), "--candidate-outputs", name)
    assert again.exit_code == 0 and len(calls) == 6  # resumed: still no call for the identical pair
    _identical_ties_are_derived_from_the_log(folder)


def _identical_ties_are_derived_from_the_log(folder):
    from dataclasses import replace

    from jury.labels.uncertainty import unit_uncertainty
    from jury.records import Judgment, Preference
    from jury.report.item_rows import contested
    from jury.results.run_result import derive_result
    from jury.results.runlog import load_run

    result = load_run(folder)  # `jury report` rebuilds the tie from the answers in run.json
    assert result.identical == 1 and result.stats.win_rate.value == pytest.approx(0.5)
    (tie,) = [v for v in result.votes if v.identical]
    assert unit_uncertainty(tie) == 0.0 and not contested(tie)  # nothing for a human or a reader to settle
    stopped = derive_result(replace(result.record, status="interrupted"), folder)
    assert len(stopped.units) == 4 and stopped.units_not_judged == 0  # a tie needs no judgment to count
    # a log written before identical pairs went unjudged: the judgment it holds stands
    old = Judgment("q2", "oracle", "scripted/oracle", "pointwise_probe", "pointwise", Preference.CANDIDATE,
                   scores={"candidate": 0.9, "baseline": 0.1})  # fmt: skip
    rebuilt = derive_result(replace(result.record, judgments=(*result.record.judgments, old)), folder)
    assert rebuilt.identical == 0 and rebuilt.stats.win_rate.wins == 2
