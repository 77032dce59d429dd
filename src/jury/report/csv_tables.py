"""CSV tables for spreadsheets and pandas: per-item votes and per-judge figures, one row each."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

from jury.report.item_rows import IDENTICAL
from jury.results.run_result import RunResult
from jury.stats.costs import usage_by_judge

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(x: object) -> object:
    """Item ids and model names come from users: a leading = or + would run as a spreadsheet formula."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, str) and x.startswith(_FORMULA_START):
        return "'" + x
    return x


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(c) for c in row] for row in rows])
    return buf.getvalue()


def items_csv(r: RunResult) -> str:
    judges = [j.name for j in r.panel.judges]
    units = {u.unit_id: u for u in r.units}  # lengths of the judged answers (a multi-turn row: its own turn's)

    def label(p: object) -> str:
        return "abstained" if p is None else str(getattr(p, "value", p))

    rows = [
        [v.unit_id, label(v.outcome), *(IDENTICAL if v.identical else label(v.per_judge.get(j)) for j in judges),
         len(units[v.unit_id].candidate[-1]), len(units[v.unit_id].baseline[-1])]
        for v in r.votes
    ]  # fmt: skip
    return to_csv(["item_id", "panel", *judges, "candidate_chars", "baseline_chars"], rows)


def judges_csv(r: RunResult) -> str:
    specs = {j.name: j for j in r.panel.judges}
    usage = usage_by_judge(r.judgments, list(specs))
    rows = []
    for js in r.stats.judges:
        w, u = js.win_rate, usage[js.judge]
        rows.append(
            [js.judge, specs[js.judge].model, specs[js.judge].strategy, w.value, w.ci_low, w.ci_high, w.n,
             js.agreement_with_panel.rate, js.position_consistency.rate, js.abstentions,
             u.prompt_tokens, u.completion_tokens, u.cost_usd]
        )  # fmt: skip
    header = ["judge", "model", "strategy", "win_rate", "ci_low", "ci_high", "n_judged", "agreement_with_panel",
              "position_consistency", "abstentions", "prompt_tokens", "completion_tokens", "cost_usd"]  # fmt: skip
    return to_csv(header, rows)
