"""`--help` lists only the options a command uses, and the main commands show examples."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from jury import cli


def _help(*command: str) -> str:
    out = CliRunner().invoke(cli.app, [*command, "--help"], terminal_width=160, env={"COLUMNS": "160"}).output
    return " ".join(out.split())


def _options(*command: str) -> set[str]:
    return set(re.findall(r"(--[a-z][a-z-]+)", _help(*command)))


def test_judge_and_estimate_list_no_option_they_ignore():
    judge, estimate, run = _options("judge"), _options("estimate"), _options("run")
    assert "--candidate" not in judge and "--dry-run" not in judge and "--candidate-outputs" in judge
    assert "--dry-run" not in estimate and "--timeout" not in estimate and "--retries" not in estimate
    assert {"--candidate", "--dry-run", "--max-cost", "--batch"} <= run


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (("run",), "jury run --task my_task.yaml --candidate hosted_vllm/my-finetune"),
        (("judge",), "jury judge --candidate-outputs samples_my_task.jsonl"),
        (("leaderboard", "submit"), "jury leaderboard submit --board boards/my-board"),
        (("calibrate",), "jury calibrate --panel local --labels my_labelled_pairs.jsonl"),
        (("compare",), "jury compare reports/main-run reports/pr-run"),
    ],
)
def test_main_commands_show_examples(command, example):
    text = _help(*command)
    assert "Example" in text and example in text
