"""lm-eval's own tasks by name, through its TaskManager's registry (and ./tasks): a task whose data is
a local file loads, one whose data set is on the hub gets one line naming it (jury is offline by
default), a multiple-choice task is refused, and a typo gets the nearest names.

lm-eval indexes its ~15,000 task files once per process (seconds): these tests share that index."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError
from jury.tasks import load_task

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel

NESTED_TASK = """task: registered_local_qa
dataset_path: json
dataset_kwargs:
  data_files:
    test: qa_rows.jsonl
test_split: test
output_type: generate_until
doc_to_text: "{{instruction}}"
doc_to_target: "{{reference}}"
generation_kwargs:
  until: []
  max_gen_toks: 24
metadata:
  version: 1.0
"""


@pytest.fixture()
def registered_task(workdir):
    """A task registered under a name its file is not called, in a nested folder of ./tasks: only lm-eval's
    TaskManager (which indexes tasks by their `task:` key) can find it by that name."""
    folder = workdir / "tasks" / "nested"
    folder.mkdir(parents=True)
    (folder / "qa_rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (folder / "some_file_name.yaml").write_text(NESTED_TASK)
    return "registered_local_qa"


def test_a_registered_task_with_local_data_loads_by_name_and_runs(registered_task, workdir, scripts):
    task = load_task(registered_task)
    assert task.format == "lm_eval_registry" and task.path.name == "some_file_name.yaml"
    assert [i.prompt for i in task.items] == [r["instruction"] for r in ROWS] and task.max_tokens == 24
    scripts["cand"] = Scripted(reply=lambda p: "x")
    scripts["base"] = Scripted(reply=lambda p: "y")
    scripts["judge"] = Scripted(reply=lambda p: "[[A]]")
    panel = write_panel(workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pairwise"}])
    result = CliRunner().invoke(cli.app, ["run", "--task", registered_task, "--candidate", "scripted/cand",
                                          "--baseline", "scripted/base", "--panel", str(panel)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_run(next((workdir / "reports").iterdir()))["task"]["n_items"] == 4


def test_a_hub_task_offline_is_one_line_naming_its_data_set(workdir):
    with pytest.raises(JuryError) as info:
        load_task("ifeval")
    line = info.value.one_line()
    assert "needs the data set 'google/IFEval'" in line and "HF_DATASETS_OFFLINE=0" in line and "\n" not in line


def test_a_multiple_choice_task_is_refused(workdir):
    with pytest.raises(JuryError, match="'hellaswag' is a multiple_choice task: jury judges generated answers"):
        load_task("hellaswag")


def test_an_unknown_name_suggests_the_nearest_registered_ones(workdir):
    with pytest.raises(JuryError, match=r"no task named 'ifevall' .* lm-eval's registry \(did you mean 'ifeval'"):
        load_task("ifevall")
