"""Write reports/<run-id>/: results.json, judgments.jsonl, report.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from jury.pipeline import RunResult
from jury.report.markdown import render_markdown
from jury.report.results_json import results_json


def judgment_rows(result: RunResult) -> list[dict]:
    rows = []
    for j in result.judgments:
        row = asdict(j)
        row["preference"] = j.preference.value if j.preference else None
        row["task"] = result.task.name
        row["candidate"] = result.config.candidate
        row["baseline"] = result.baseline_name
        rows.append(row)
    return rows


def write_report(result: RunResult) -> Path:
    out = result.report_dir
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n", encoding="utf-8")
    with (out / "judgments.jsonl").open("w", encoding="utf-8") as fh:
        for row in judgment_rows(result):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(render_markdown(result), encoding="utf-8")
    return out
