"""The whole run through the CLI, with scripted models behind litellm."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli

from .conftest import Scripted
from .helpers import CANDIDATE_ANSWERS, ROWS, read_run, write_panel, write_task


def _probe_oracle(prompt: str) -> float:
    """P(Yes) high when the shown answer contains the reference."""
    ref = prompt.split("Ref: ")[1].split("\n")[0].lower()
    answer = prompt.split("Answer: ")[1].split("\nCorrect:")[0].lower()
    return 0.9 if ref in answer else 0.1


def _setup(workdir, scripts):
    scripts["cand"] = Scripted(reply=lambda p: CANDIDATE_ANSWERS[p])
    scripts["oracle"] = Scripted(reply=lambda p: "Yes", p_yes=_probe_oracle)
    scripts["always-a"] = Scripted(reply=lambda p: "A looks fine. [[A]]")
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels",
        [
            {"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"},
            {"name": "always-a", "model": "scripted/always-a", "strategy": "pairwise"},
        ],
    )
    return task, panel


def _run(*args: str):
    return CliRunner().invoke(cli.app, ["run", *args], standalone_mode=False, catch_exceptions=False)


def test_run_end_to_end_with_scripted_models(workdir, scripts):
    task, panel = _setup(workdir, scripts)
    result = _run("--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel))
    assert result.exit_code == 0, result.output
    reports = list((workdir / "reports").iterdir())
    assert len(reports) == 1
    data = read_run(reports[0])
    # oracle: q1 tie (both right), q2 and q4 candidate, q3 baseline.
    # always-a says "A" in both orders: position-inconsistent, so a tie on every item.
    # Two judges, one says tie: every item is a tie or a 1-1 split (tie rule 'tie') -> 0.5.
    assert data["result"]["win_rate"] == pytest.approx(0.5)
    judges = {j["judge"]: j for j in data["judges"]}
    # the oracle alone: (0.5 + 1 + 0 + 1) / 4
    assert judges["oracle"]["own_win_rate"] == pytest.approx(0.625)
    assert judges["always-a"]["position_consistency"] == pytest.approx(0.0)
    assert judges["oracle"]["position_consistency"] is None
    assert data["judge_agreement"][0]["percent_agreement"] == pytest.approx(0.25)
    lines = (reports[0] / "judgments.jsonl").read_text().splitlines()
    assert len(lines) == 4 + 8  # 4 pointwise judgments + 4 items x 2 orders
    assert "win rate 50.0%" in result.output
    md = (reports[0] / "report.md").read_text()
    assert "| q3 |" in md and "position consistency" in md
    calls_first = len(scripts["oracle"].calls) + len(scripts["always-a"].calls) + len(scripts["cand"].calls)
    assert calls_first == 8 + 8 + 4

    again = _run("--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel))
    assert again.exit_code == 0
    calls_second = len(scripts["oracle"].calls) + len(scripts["always-a"].calls) + len(scripts["cand"].calls)
    assert calls_second == calls_first  # everything came from the store
    assert "model calls: 0 made, 20 from the store" in again.output


def test_baseline_outputs_file_replaces_task_baselines(workdir, scripts):
    task, panel = _setup(workdir, scripts)
    base = workdir / "chatgpt.jsonl"
    base.write_text("\n".join(json.dumps({"id": r["id"], "output": r["reference"]}) for r in ROWS))
    panel = write_panel(workdir / "p2", [{"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"}])
    result = _run(
        "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel), "--baseline-outputs", str(base)
    )
    assert result.exit_code == 0, result.output
    data = read_run(next((workdir / "reports").iterdir()))
    assert data["baseline"] == "chatgpt"
    # baseline always right: ties on q1, q2, q4, loss on q3 -> 1.5 / 4
    assert data["result"]["win_rate"] == pytest.approx(0.375)


def test_failed_judge_calls_become_abstentions(workdir, scripts):
    task, panel = _setup(workdir, scripts)
    scripts["always-a"].fail_with = RuntimeError("provider down")
    # 8 of 12 judgments lost: allowed here (--max-failed 1) to look at how they are counted
    args = ("--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel), "--retries", "1")
    result = _run(*args, "--max-failed", "1")
    assert result.exit_code == 0, result.output
    data = read_run(next((workdir / "reports").iterdir()))
    judges = {j["judge"]: j for j in data["judges"]}
    assert judges["always-a"]["abstentions"] == 8
    assert data["result"]["n_abstained"] == 0  # the oracle still voted on every item
    assert data["result"]["win_rate"] == pytest.approx(0.625)
