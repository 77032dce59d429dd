"""Each side's answers as an outputs file other tools and jury itself read back: a run's generated
answers become a leaderboard submission, or the baseline of the next run. Single-turn runs are
written as AlpacaEval rows ({instruction, output, generator}, plus jury's id); a run with
multi-turn items as MT-Bench answers ({question_id, model_id, choices: [{turns}]})."""

from __future__ import annotations

import json

from jury.records import Output
from jury.results.run_result import RunResult
from jury.turns import answers_of

ANSWER_FILES = ("candidate_answers.jsonl", "baseline_answers.jsonl")


def answers_jsonl(result: RunResult, outputs: tuple[Output, ...], model: str) -> str:
    items = {i.item_id: i for i in result.items}
    multi = any(i.turns for i in result.items)
    rows = []
    for o in outputs:
        if multi:
            rows.append({"question_id": o.item_id, "model_id": model, "choices": [{"index": 0, "turns": list(
                answers_of(o))}]})  # fmt: skip
        else:
            rows.append({"id": o.item_id, "instruction": items[o.item_id].prompt, "output": o.text, "generator": model})
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
