"""Write reports/<run-id>/: the run log (run.json, with the results as reported, and its
judgments.jsonl export), report.md, report.html, the CSV tables and each side's answers as an
outputs file (candidate_answers.jsonl, baseline_answers.jsonl)."""

from __future__ import annotations

from pathlib import Path

from jury.report.answers import ANSWER_FILES, answers_jsonl
from jury.report.csv_tables import items_csv, judges_csv
from jury.report.html import render_html
from jury.report.markdown import render_markdown
from jury.report.results_json import results_json
from jury.results.run_result import RunResult
from jury.results.runlog import write_run_log

REPORT_FILES = ("run.json", "judgments.jsonl", "report.md", "report.html", "items.csv", "judges.csv", *ANSWER_FILES)


def render_files(result: RunResult) -> None:
    """Everything derived from the run's record; rerun by `jury report` from the record alone."""
    out = result.report_dir
    (out / "report.md").write_text(render_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(render_html(result), encoding="utf-8")
    (out / "items.csv").write_text(items_csv(result), encoding="utf-8")
    (out / "judges.csv").write_text(judges_csv(result), encoding="utf-8")
    record = result.record
    for name, outputs, model in zip(ANSWER_FILES, (record.outputs, record.baseline), (result.candidate,
                                    result.baseline_name), strict=True):  # fmt: skip
        (out / name).write_text(answers_jsonl(result, outputs, model), encoding="utf-8")


def write_report(result: RunResult) -> Path:
    """The run log first (it is what `jury report` rebuilds everything else from), then the renderings."""
    write_run_log(result, results_json(result))
    render_files(result)
    return result.report_dir
