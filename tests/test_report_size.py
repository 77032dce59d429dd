"""report.md and report.html stay small at any run size: the items worth reading (judges disagree or
abstain) first, then a seeded sample, with a note; items.csv keeps every item."""

from __future__ import annotations

from pathlib import Path

from jury.panel.spec import JudgeSpec, PanelSpec
from jury.records import Item, Judgment, Output, Preference
from jury.report.csv_tables import items_csv
from jury.report.html import render_html
from jury.report.item_rows import HTML_ROWS, MARKDOWN_ROWS
from jury.report.markdown import render_markdown
from jury.results.record import RunRecord, RunSpec, TaskInfo
from jury.results.run_result import derive_result

C, B = Preference.CANDIDATE, Preference.BASELINE
N = 3000
LONG = "word " * 2000  # a 10,000-character answer on every item


def _big_result(tmp_path: Path):
    judges = tuple(
        JudgeSpec(n, f"scripted/{n}", "pointwise_probe", "Q: {question} A: {answer}", "p.txt", n, parser="yes_no")
        for n in ("a", "b")
    )
    panel = PanelSpec("p", tmp_path / "p.yaml", "jury", "majority", "tie", judges)
    items = tuple(Item("big", f"i{k}", f"question {k} " + LONG) for k in range(N))
    outputs = tuple(Output(i.item_id, "cand", LONG + i.item_id) for i in items)
    baseline = tuple(Output(i.item_id, "base", LONG) for i in items)
    judgments = []
    for k, item in enumerate(items):
        disagree = k % 100 == 7  # 30 contested items, spread through the run
        for name in ("a", "b"):
            pref = B if (disagree and name == "b") else C
            judgments.append(Judgment(item.item_id, name, f"scripted/{name}", "pointwise_probe", "pointwise", pref,
                                      {"candidate": 0.9, "baseline": 0.1}))  # fmt: skip
    spec = RunSpec(TaskInfo("big", "big.jsonl", "jsonl", 64), "cand", "base", panel)
    record = RunRecord("run-big", "complete", spec, items, outputs, baseline, tuple(judgments))
    return derive_result(record, tmp_path / "run-big")


def test_reports_of_a_large_run_stay_small_and_show_the_contested_items_first(tmp_path):
    result = _big_result(tmp_path)
    md, html = render_markdown(result), render_html(result)
    assert len(md.encode()) < 200_000 and len(html.encode()) < 5_000_000
    rows = [line for line in md.splitlines() if line.startswith("| i") and not line.startswith("| item")]
    assert len(rows) == MARKDOWN_ROWS
    contested = {f"i{k}" for k in range(N) if k % 100 == 7}
    assert contested <= {r.split(" | ")[0][2:] for r in rows}  # all 30 disagreements are shown
    assert f"{MARKDOWN_ROWS} of {N} items shown: the 30 where judges disagreed or abstained" in md
    assert html.count("<tr>") <= HTML_ROWS + 20 and "more characters in run.json" in html
    assert len(items_csv(result).splitlines()) == N + 1  # the CSV keeps every item


def test_a_small_run_shows_every_item_without_a_note(tmp_path):
    from dataclasses import replace

    result = _big_result(tmp_path)
    small = replace(result, votes=result.votes[:20])
    md = render_markdown(small)
    rows = [line for line in md.splitlines() if line.startswith("| i") and not line.startswith("| item")]
    assert len(rows) == 20 and "items shown" not in md
