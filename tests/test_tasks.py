"""Tasks load through lm-eval's TaskManager; bad rows and files fail with file and line."""

from __future__ import annotations

import json

import pytest

from jury.errors import JuryError
from jury.io.outputs import load_outputs
from jury.tasks import load_task

from .helpers import ROWS, write_task


def test_builtin_demo_task_loads_through_lm_eval():
    task = load_task("jury_demo")
    assert 20 <= len(task.items) <= 40
    assert len({i.item_id for i in task.items}) == len(task.items)
    assert all(i.prompt and i.reference and i.baseline for i in task.items)
    first = task.items[0]
    assert (first.item_id, first.prompt, first.reference) == (
        "capital-france",
        "What is the capital of France?",
        "Paris.",
    )
    assert task.baseline_name == "jury-demo-baseline" and task.max_tokens == 96


def test_task_data_resolves_next_to_the_yaml(tmp_path, monkeypatch):
    path = write_task(tmp_path / "elsewhere", ROWS)
    monkeypatch.chdir(tmp_path)
    task = load_task(str(path), limit=2)
    assert [i.item_id for i in task.items] == ["q1", "q2"]


def test_duplicate_ids_and_empty_baselines_are_errors(tmp_path):
    path = write_task(tmp_path, [*ROWS, dict(ROWS[0])])
    with pytest.raises(JuryError, match="duplicate item id 'q1'"):
        load_task(str(path))
    path = write_task(tmp_path, [ROWS[0], {**ROWS[1], "baseline": " "}], name="blank")
    with pytest.raises(JuryError, match="row 2 has an empty 'baseline' field"):
        load_task(str(path))


def test_unknown_task_lists_known_ones():
    with pytest.raises(JuryError, match=r"no task named 'nope'.*jury_demo"):
        load_task("nope")


def _task(tmp_path):
    return load_task(str(write_task(tmp_path / "t", ROWS)))


def test_outputs_match_by_id_or_instruction(tmp_path):
    task = _task(tmp_path)
    f = tmp_path / "out.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "q1", "output": "a"},
                {"id": "q2", "output": "b"},
                {"instruction": "Opposite of up?", "output": "c"},
                {"instruction": "Colour of grass?", "output": "d"},
            ]
        )
    )
    assert load_outputs(f, task.items) == {"q1": "a", "q2": "b", "q3": "c", "q4": "d"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "q1", "output": "a"}\n{"id": "q2", "output": ', r"out\.jsonl:2: invalid JSON"),
        ('{"id": "q1", "output": null}\n', r"out\.jsonl:1: field 'output' is null"),  # "" is an answer
        ('{"id": "q1", "output": "a"}\n', r"no output for 3 task item\(s\): q2, q3, q4"),
        ('{"id": "q1", "output": "a"}\n{"id": "q1", "output": "b"}\n', r"out\.jsonl:2: duplicate output for item 'q1'"),
        ("", r"the file is empty"),
    ],
)
def test_bad_output_files(tmp_path, content, message):
    task = _task(tmp_path)
    f = tmp_path / "out.jsonl"
    f.write_text(content)
    with pytest.raises(JuryError, match=message):
        load_outputs(f, task.items)


def test_non_utf8_output_file(tmp_path):
    task = _task(tmp_path)
    f = tmp_path / "out.jsonl"
    f.write_bytes(b'{"id": "q1", "output": "\xff"}\n')
    with pytest.raises(JuryError, match="not UTF-8"):
        load_outputs(f, task.items)
