"""Native formats: each round-trips (write -> read gives the same records), is detected from its
rows, and reads the real public files when /work/shared/data is present."""

from __future__ import annotations

import json

import pytest

from jury.errors import JuryError
from jury.io.formats import alpaca_eval, arena_hard, lm_eval_samples, mt_bench, plain
from jury.io.outputs import load_outputs_file, read_output_rows
from jury.records import Item
from jury.tasks import load_task

from .conftest import SHARED_DATA
from .helpers import ROWS, write_task

ITEMS = (
    Item("t", "a1", "Name a prime number.", metadata={"category": "math"}),
    Item("t", "a2", "Say hello in French.\nOne word.", metadata={"category": "language"}),
)
ANSWERS = {"a1": "7", "a2": "Bonjour \u2028 \u00e9"}


def test_alpaca_eval_round_trip(tmp_path):
    rows = [alpaca_eval.OutputRow("x", (ANSWERS[i.item_id],), instruction=i.prompt, model="m") for i in ITEMS]
    path = tmp_path / "m.json"
    alpaca_eval.write(path, rows, generator="m")
    back = read_output_rows(path)
    assert [(r.instruction, r.turns, r.model) for r in back] == [(r.instruction, r.turns, r.model) for r in rows]
    task = load_task(str(path))
    assert task.format == "alpaca_eval" and task.baseline_name == "baseline"
    assert [(i.prompt, i.baseline) for i in task.items] == [(i.prompt, ANSWERS[i.item_id]) for i in ITEMS]
    assert task.items[0].item_id == alpaca_eval.instruction_id(ITEMS[0].prompt)


def test_mt_bench_round_trip_keeps_turns_and_references(tmp_path):
    items = (
        Item(
            "mtb",
            "1",
            "Plan a trip.",
            reference="Day 1",
            turns=("Plan a trip.", "Now make it cheaper."),
            references=("Day 1", "Cheaper"),  # one per turn: turn 2 is judged against "Cheaper"
            metadata={"category": "writing"},
        ),
        Item("mtb", "2", "What is 3*4?", reference="12", metadata={"category": "math"}),
    )
    (tmp_path / "mtb").mkdir()
    mt_bench.write_questions(tmp_path / "mtb" / "question.jsonl", items)
    assert load_task(str(tmp_path / "mtb")).items == items  # a folder reads its question.jsonl
    answers = {"1": ("Go to Rome.", "Take the train."), "2": ("12",)}
    mt_bench.write_answers(tmp_path / "gpt.jsonl", "gpt", answers)
    got = load_outputs_file(tmp_path / "gpt.jsonl", items)
    assert (
        got.turns == answers
        and got.texts == {"1": "[Assistant, turn 1]\nGo to Rome.\n\n[Assistant, turn 2]\nTake the train.", "2": "12"}
        and got.model == "gpt"
    )


def test_arena_hard_round_trip(tmp_path):
    arena_hard.write_questions(tmp_path / "question.jsonl", ITEMS)
    task = load_task(str(tmp_path / "question.jsonl"))
    assert task.format == "arena_hard" and task.items == tuple(
        Item(task.name, i.item_id, i.prompt, metadata=i.metadata) for i in ITEMS
    )
    arena_hard.write_answers(tmp_path / "m.jsonl", "m", ITEMS, ANSWERS)
    got = load_outputs_file(tmp_path / "m.jsonl", task.items)
    assert got.texts == ANSWERS and got.model == "m"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_plain_round_trip_with_column_mapping(tmp_path, suffix):
    records = [{"qid": i.item_id, "question": i.prompt, "answer": ANSWERS[i.item_id]} for i in ITEMS]
    path = tmp_path / f"data{suffix}"
    plain.write_rows(path, records)
    columns = plain.parse_columns("id=qid,prompt=question,output=answer")
    task = load_task(str(path), columns=columns)
    assert [(i.item_id, i.prompt) for i in task.items] == [(i.item_id, i.prompt) for i in ITEMS]
    assert load_outputs_file(path, task.items, columns=columns).texts == ANSWERS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("prompt", "bad column mapping 'prompt'"),
        ("promt=q", "unknown jury field 'promt'"),
        ("id=a,id=b", "mapped twice"),
    ],
)
def test_bad_column_mappings(spec, message):
    with pytest.raises(JuryError, match=message):
        plain.parse_columns(spec)


def test_lm_eval_samples_match_by_doc_id_and_keep_the_raw_generation(tmp_path):
    task = load_task(str(write_task(tmp_path / "t", ROWS)))
    folder = tmp_path / "out" / "my__model"
    folder.mkdir(parents=True)
    path = folder / "samples_mini_2026-01-01T00-00-00.jsonl"
    # The logged prompt is templated (few-shot, chat), so it differs from the item's prompt:
    # the row number is what identifies the document.
    samples = [(i, row, f"Q: {row['instruction']}\nA:", f"answer {i}") for i, row in enumerate(ROWS)]
    lm_eval_samples.write(path, samples)
    # a second filter logs every document again with the same generation
    with path.open("a") as fh:
        for line in path.read_text().splitlines():
            fh.write(json.dumps({**json.loads(line), "filter": "strict", "filtered_resps": ["x"]}) + "\n")
    got = load_outputs_file(path, task.items)
    assert got.texts == {"q1": "answer 0", "q2": "answer 1", "q3": "answer 2", "q4": "answer 3"}
    assert got.model == "my__model"


def test_lm_eval_samples_from_a_loglikelihood_task_are_refused(tmp_path):
    path = tmp_path / "samples_mc.jsonl"
    row = {
        "doc_id": 0,
        "doc": {},
        "arguments": {"gen_args_0": {"arg_0": "Q", "arg_1": " A"}},
        "resps": [["(-1.0, True)"]],
    }
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(JuryError, match=r"samples_mc\.jsonl:1: this sample is not from a generative task"):
        read_output_rows(path)


def test_wrong_shapes_inside_native_formats_name_the_field(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"question_id": 1, "model_id": "m", "choices": [{"turns": ["ok", 3]}]}) + "\n")
    with pytest.raises(JuryError, match=r"a\.jsonl:1: choices\[0\]\.turns\[1\] must be a string, got int"):
        read_output_rows(path)
    path.write_text(json.dumps({"uid": "u", "messages": [{"role": "user", "content": "q"}]}) + "\n")
    with pytest.raises(JuryError, match=r"a\.jsonl:1: field 'messages' must list the user turn and the assistant"):
        read_output_rows(path)
    with pytest.raises(JuryError, match="--columns applies to plain JSONL/CSV files, but this one is arena_hard"):
        read_output_rows(path, columns={"id": "uid"})


# --- the real public files, when present -----------------------------------------------------

needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data folder absent")


@needs_data
def test_real_mt_bench_questions_and_answers():
    task = load_task(str(SHARED_DATA / "mt_bench_answers"))
    assert len(task.items) == 80 and all(len(i.turns) == 2 for i in task.items)
    assert sum(i.reference is not None for i in task.items) == 39
    got = load_outputs_file(SHARED_DATA / "mt_bench_answers" / "model_answer" / "gpt-4.jsonl", task.items)
    assert got.model == "gpt-4" and all(len(t) == 2 for t in got.turns.values())


@needs_data
def test_real_arena_hard_answers_with_line_separators():
    task = load_task(str(SHARED_DATA / "arena_hard" / "v2.0"))
    assert len(task.items) == 750
    # this file has a U+2028 inside an answer: a reader splitting with str.splitlines would break
    got = load_outputs_file(
        SHARED_DATA / "arena_hard" / "v2.0" / "model_answer" / "o3-mini-2025-01-31.jsonl", task.items
    )
    assert len(got.texts) == 750 and got.model == "o3-mini-2025-01-31"


@needs_data
def test_real_alpaca_eval_outputs_match_each_other():
    folder = SHARED_DATA / "alpaca_eval" / "model_outputs"
    task = load_task(str(folder / "gpt4_1106_preview.json"))
    assert len(task.items) == 805 and all(i.baseline for i in task.items)
    got = load_outputs_file(folder / "alpaca-7b.json", task.items)
    assert len(got.texts) == 805 and got.model == "alpaca-7b"


def test_a_samples_file_written_by_lm_eval_itself(tmp_path, monkeypatch):
    """lm-eval's own dummy model (it answers 'lol') and its own EvaluationTracker write the file."""
    from lm_eval import simple_evaluate
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    task_path = write_task(tmp_path / "t", ROWS)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.chdir(task_path.parent)  # lm-eval resolves data files against the working directory
    tracker = EvaluationTracker(output_path=str(tmp_path / "out"))
    manager = TaskManager(include_path=str(task_path.parent), include_defaults=False)
    results = simple_evaluate(
        model="dummy", tasks=["mini"], task_manager=manager, log_samples=True, evaluation_tracker=tracker, limit=3
    )
    tracker.save_results_aggregated(results=results, samples=results["samples"])  # sets the file's date
    tracker.save_results_samples(task_name="mini", samples=results["samples"]["mini"])
    (samples,) = (tmp_path / "out").rglob("samples_mini_*.jsonl")
    got = load_outputs_file(samples, load_task(str(task_path)).items, allow_partial=True)
    assert got.texts == {"q1": "lol", "q2": "lol", "q3": "lol"} and got.missing == ("q4",)


def test_one_column_mapping_serves_the_task_and_the_outputs(tmp_path):
    plain.write_rows(tmp_path / "task.csv", [{"qid": "a", "question": "Q?"}, {"qid": "b", "question": "R?"}])
    plain.write_rows(tmp_path / "out.csv", [{"qid": "a", "answer": "1"}, {"qid": "b", "answer": "2"}])
    columns = plain.parse_columns("id=qid,prompt=question,output=answer")
    task = load_task(str(tmp_path / "task.csv"), columns=columns)  # has no 'answer' column: not needed
    assert load_outputs_file(tmp_path / "out.csv", task.items, columns=columns).texts == {"a": "1", "b": "2"}
    with pytest.raises(JuryError, match=r"task\.csv:2: column 'qdi' \(mapped to 'id' by --columns\) not found"):
        load_task(str(tmp_path / "task.csv"), columns={"id": "qdi", "prompt": "question"})
