"""Two-turn items: loaded with their turns, generated turn by turn (turn 2 carries the turn-1
exchange), and judged on the whole conversation."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli, pipeline
from jury.errors import JuryError
from jury.models.client import ModelReply, ModelRequest
from jury.records import Item, Usage
from jury.tasks import load_task
from jury.tasks.turns import answer_text, conversation, judge_view

from .conftest import Scripted
from .helpers import write_panel

TWO = Item("t", "x", "Q1", turns=("Q1", "Q2"))


class RecordingClient:
    """Stands in for ModelClient: answers 'A<n>' and keeps every request it was sent."""

    def __init__(self) -> None:
        self.requests: list[ModelRequest] = []
        self.skipped_for_budget = 0

    def call_many(self, requests, on_done=None):
        replies = []
        for request in requests:
            self.requests.append(request)
            replies.append(
                ModelReply(text=f"A{len(self.requests)} ", usage=Usage(prompt_tokens=3, completion_tokens=2))
            )
        return replies


def test_shipped_two_turn_task_loads_with_turns_and_per_turn_baselines():
    task = load_task("jury_two_turn")
    assert len(task.items) == 5 and all(len(i.turns) == 2 for i in task.items)
    item = next(i for i in task.items if i.item_id == "tt-arithmetic")
    assert item.prompt == item.turns[0] == "A book costs 12 euros. How much do three books cost?"
    assert item.baseline == answer_text(
        item, ("Three books cost 36 euros.", "10 percent of 36 is 3.60, so the total is 32.40 euros.")
    )


def test_generation_sends_turn_one_exchange_with_turn_two():
    single = Item("t", "s", "Only question")
    task = pipeline.Task("t", None, (TWO, single), None, 16)  # type: ignore[arg-type]
    client = RecordingClient()
    outputs = pipeline.generate(client, "m", task, pipeline._NoProgress())  # type: ignore[arg-type]
    assert [r.messages for r in client.requests] == [
        (("user", "Q1"),),
        (("user", "Only question"),),  # single-turn requests are unchanged (same cache keys as before)
        (("user", "Q1"), ("assistant", "A1"), ("user", "Q2")),
    ]
    by_id = {o.item_id: o for o in outputs}
    assert by_id["x"].text == "[Assistant, turn 1]\nA1\n\n[Assistant, turn 2]\nA3"
    assert by_id["x"].usage.prompt_tokens == 6 and by_id["s"].text == "A2"


def test_conversation_and_judge_view():
    with pytest.raises(ValueError, match="only 2 turn"):
        conversation(TWO, ("a", "b"))
    assert judge_view(TWO).prompt == "[User, turn 1]\nQ1\n\n[User, turn 2]\nQ2"
    assert judge_view(Item("t", "s", "Q")) == Item("t", "s", "Q")
    with pytest.raises(JuryError, match="item 'x' has 2 turns but the output has 1"):
        answer_text(TWO, ("only one",))


def test_two_turn_run_end_to_end_with_imported_mt_bench_answers(workdir, scripts):
    seen: list[str] = []
    scripts["judge"] = Scripted(reply=lambda p: seen.append(p) or "Yes", p_yes=lambda p: 0.9 if "cand-2" in p else 0.2)
    panel = write_panel(
        workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pointwise_probe"}]
    )
    task = load_task("jury_two_turn")
    with (workdir / "cand.jsonl").open("w") as fh:
        for item in task.items:
            row = {"question_id": item.item_id, "model_id": "cand", "choices": [{"turns": ["cand-1", "cand-2"]}]}
            fh.write(json.dumps(row) + "\n")
    args = ["run", "--task", "jury_two_turn", "--panel", str(panel), "--candidate-outputs", "cand.jsonl"]
    result = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(next((workdir / "reports").iterdir()).joinpath("results.json").read_text())
    assert data["candidate"] == "cand" and data["result"]["win_rate"] == pytest.approx(1.0)
    # the judge saw both user turns and both of the candidate's answers
    assert any("[User, turn 2]" in p and "[Assistant, turn 2]\ncand-2" in p for p in seen)
