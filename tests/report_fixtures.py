"""A finished scripted run with hostile candidate text, shared by the report and leaderboard tests."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jury import cli

from .conftest import Scripted
from .helpers import ROWS, write_panel, write_task

HOSTILE = (
    "<script>document.title='pwned';document.body.insertAdjacentHTML('beforeend','<p id=pwned>x</p>')</script>"
    " a | b\nsecond line"
)
ANSWERS = {"What is 1+1?": "2", "Capital of Italy?": "Rome, the capital", "Opposite of up?": HOSTILE,
           "Colour of grass?": "green"}  # fmt: skip


def probe_oracle(prompt: str) -> float:
    ref = prompt.split("Ref: ")[1].split("\n")[0].lower()
    answer = prompt.split("Answer: ")[1].split("\nCorrect:")[0].lower()
    return 0.9 if ref in answer else 0.1


def prefers_longer(prompt: str) -> str:
    a = prompt.split("[A]\n")[1].split("\n[B]\n")[0]
    b = prompt.split("[B]\n")[1].split("\nVerdict:")[0]
    return "[[A]]" if len(a) > len(b) else "[[B]]"


def setup_scripts(workdir: Path, scripts: dict, answers: dict[str, str] | None = None) -> tuple[Path, Path]:
    answers = answers or ANSWERS
    scripts["cand"] = Scripted(reply=lambda p: answers[p])
    scripts["oracle"] = Scripted(reply=lambda p: "Yes", p_yes=probe_oracle)
    scripts["longer"] = Scripted(reply=prefers_longer)
    scripts["always-a"] = Scripted(reply=lambda p: "[[A]]")
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(
        workdir / "panels",
        [
            {"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"},
            {"name": "longer", "model": "scripted/longer", "strategy": "pairwise"},
            {"name": "always-a", "model": "scripted/always-a", "strategy": "pairwise"},
        ],
    )
    return task, panel


def invoke(*args: str):
    return CliRunner().invoke(cli.app, list(args), standalone_mode=False, catch_exceptions=False)


def total_calls(scripts: dict) -> int:
    return sum(len(s.calls) for s in scripts.values())
