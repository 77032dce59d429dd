"""Write reports/<run-id>/: results.json, judgments.jsonl, run.json, report.md, report.html, CSV tables."""

from __future__ import annotations

import json
from pathlib import Path

from jury.report.csv_tables import items_csv, judges_csv
from jury.report.html import render_html
from jury.report.markdown import render_markdown
from jury.report.results_json import results_json
from jury.results.runlog import judgment_rows, write_run_record
from jury.workflows.pipeline import RunResult

__all__ = ["judgment_rows", "render_files", "write_report"]


def render_files(result: RunResult, out: Path) -> None:
    """Everything derived from the run; rerun by `jury report` from the run record alone."""
    (out / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(render_html(result), encoding="utf-8")
    (out / "items.csv").write_text(items_csv(result), encoding="utf-8")
    (out / "judges.csv").write_text(judges_csv(result), encoding="utf-8")


def write_report(result: RunResult) -> Path:
    out = result.report_dir
    out.mkdir(parents=True, exist_ok=True)
    write_run_record(result, out)
    render_files(result, out)
    return out
