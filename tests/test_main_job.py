"""The main job: my model against a baseline model (generated like the candidate), or against an
outputs file, on the instructions the outputs files carry when no task is given."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel, write_task

QUESTIONS = {r["instruction"]: r["reference"] for r in ROWS}


def _invoke(*args: str):
    return CliRunner().invoke(cli.app, list(args), catch_exceptions=True)


@pytest.fixture()
def panel(workdir, scripts):
    """A probe judge that says Yes (0.9) to the reference answer and No (0.1) to anything else."""

    def p_yes(prompt: str) -> float:
        ref = prompt.split("Ref: ")[1].split("\n")[0]
        return 0.9 if prompt.split("Answer: ")[1].startswith(ref) else 0.1

    scripts["judge"] = Scripted(reply=lambda p: "Yes", p_yes=p_yes)
    return write_panel(
        workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pointwise_probe"}]
    )


def test_baseline_model_is_generated_cached_and_named(workdir, scripts, panel):
    scripts["mine"] = Scripted(reply=lambda p: QUESTIONS[p])  # always right
    scripts["chatgpt"] = Scripted(reply=lambda p: "no idea")  # always wrong
    task = write_task(workdir / "tasks", ROWS)
    args = ("run", "--task", str(task), "--candidate", "scripted/mine", "--baseline", "scripted/chatgpt",
            "--panel", str(panel))  # fmt: skip
    first = _invoke(*args)
    assert first.exit_code == 0, first.output
    data = read_run(next((workdir / "reports").iterdir()))
    assert data["baseline"] == "scripted/chatgpt" and data["record"]["spec"]["baseline_model"] == "scripted/chatgpt"
    assert [o["text"] for o in data["record"]["baseline"]] == ["no idea"] * 4  # not the task's own baselines
    assert data["result"]["win_rate"] == 1.0 and len(scripts["chatgpt"].calls) == 4
    assert "vs scripted/chatgpt" in " ".join(first.output.split())
    again = _invoke(*args)  # resumed from the store: no model is called again
    assert again.exit_code == 0 and len(scripts["chatgpt"].calls) == 4 and len(scripts["mine"].calls) == 4
    assert "model calls: 0 made, 16 from the store" in " ".join(again.output.split())


def test_baseline_model_and_baseline_file_are_one_or_the_other(workdir, scripts, panel):
    (workdir / "b.jsonl").write_text("")
    result = _invoke("run", "--baseline", "scripted/x", "--baseline-outputs", "b.jsonl", "--panel", str(panel))
    assert isinstance(result.exception, JuryError) and "give one of them" in result.exception.one_line()


def _alpaca(path, instructions, answer, generator):
    path.write_text(json.dumps([{"instruction": i, "output": answer(i), "generator": generator} for i in instructions]))
    return path


def test_without_a_task_the_outputs_files_shared_instructions_are_the_task(workdir, scripts, panel):
    questions = list(QUESTIONS)
    mine = _alpaca(workdir / "mine.json", [*questions, "An extra question?"], lambda i: QUESTIONS.get(i, "?"), "my-ft")
    chatgpt = _alpaca(workdir / "chatgpt.json", questions[:3], lambda i: "no idea", "gpt-3.5")
    # the judge's reference is the task's; a task built from outputs has none, so the probe sees "(no reference"
    scripts["judge"].p_yes = lambda p: 0.9 if p.split("Answer: ")[1][:2] in ("2\n", "Ro", "do") else 0.1
    result = _invoke("run", "--candidate-outputs", str(mine), "--baseline-outputs", str(chatgpt), "--panel", str(panel))
    assert result.exit_code == 0, result.output
    data = read_run(next((workdir / "reports").iterdir()))
    assert data["task"]["n_items"] == 3 and data["record"]["spec"]["task"]["format"] == "outputs"
    note = "the 3 instructions shared by mine.json and chatgpt.json (2 only in mine.json: not judged)"
    assert data["record"]["spec"]["task"]["description"] == note
    assert note in " ".join(result.output.split())
    assert note in (next((workdir / "reports").iterdir()) / "report.md").read_text()
    assert data["candidate"] == "my-ft" and data["result"]["n_judged"] == 3


def test_outputs_that_do_not_carry_instructions_or_share_none_are_refused(workdir, scripts, panel):
    mt_bench = workdir / "mt.jsonl"  # MT-Bench answers name question ids, not the questions
    mt_bench.write_text(json.dumps({"question_id": 81, "model_id": "m", "choices": [{"turns": ["a", "b"]}]}) + "\n")
    result = _invoke("run", "--candidate-outputs", str(mt_bench), "--baseline", "scripted/x", "--panel", str(panel))
    assert isinstance(result.exception, JuryError)
    assert "do not carry their instructions" in result.exception.one_line() and "--task" in result.exception.one_line()
    a = _alpaca(workdir / "a.json", ["One?"], lambda i: "1", "a")
    b = _alpaca(workdir / "b.json", ["Two?"], lambda i: "2", "b")
    result = _invoke("run", "--candidate-outputs", str(a), "--baseline-outputs", str(b), "--panel", str(panel))
    assert isinstance(result.exception, JuryError) and "share no instruction" in result.exception.one_line()


def test_a_generated_candidate_answers_the_baseline_files_instructions_never_the_demo_task(workdir, scripts, panel):
    scripts["mine"] = Scripted(reply=lambda p: QUESTIONS.get(p, "?"))
    chatgpt = _alpaca(workdir / "chatgpt.json", list(QUESTIONS), lambda i: "no idea", "gpt-3.5")
    result = _invoke("run", "--candidate", "scripted/mine", "--baseline-outputs", str(chatgpt), "--panel", str(panel))
    assert result.exit_code == 0, result.output
    assert sorted(scripts["mine"].calls) == sorted(QUESTIONS)  # the file's four questions, not the demo's 26


def test_a_runs_answer_files_read_back_as_the_same_answers(workdir, scripts, panel):
    scripts["mine"] = Scripted(reply=lambda p: QUESTIONS[p])
    scripts["chatgpt"] = Scripted(reply=lambda p: "no idea")
    task = write_task(workdir / "tasks", ROWS)
    common = ("--task", str(task), "--panel", str(panel))
    assert _invoke("run", *common, "--candidate", "scripted/mine", "--baseline", "scripted/chatgpt").exit_code == 0
    (first,) = (workdir / "reports").iterdir()
    again = _invoke("judge", *common, "--candidate-outputs", str(first / "candidate_answers.jsonl"),
                    "--baseline-outputs", str(first / "baseline_answers.jsonl"))  # fmt: skip
    assert again.exit_code == 0, again.output
    (second,) = (p for p in (workdir / "reports").iterdir() if p != first)
    a, b = read_run(first), read_run(second)
    assert [o["text"] for o in a["record"]["outputs"]] == [o["text"] for o in b["record"]["outputs"]]
    assert [o["text"] for o in a["record"]["baseline"]] == [o["text"] for o in b["record"]["baseline"]]
    assert b["candidate"] == "scripted/mine" and b["result"] == a["result"] and b["model_calls"] == 0
