"""The human-anchored section of a run's reports (render only: the numbers are results.human_anchor's):
the human win rate estimated from the labels and the panel (PPI++), the labels alone, the panel alone,
how many labels the panel was worth, and each judge's agreement with the humans."""

from __future__ import annotations

import math
from typing import Any

from jury.report.html_page import esc, section, table
from jury.report.svg import CiBar, win_rate_chart
from jury.results.human_anchor import HumanAnchor
from jury.results.run_result import RunResult


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _interval(value: float, low: float, high: float) -> str:
    return f"{_pct(value)} [{_pct(low)}, {_pct(high)}]"


def headline(r: RunResult) -> list[str]:
    """The sentences every rendering shows: the three rates and what the panel was worth."""
    h: HumanAnchor | None = r.human
    if h is None:
        return []
    w = r.stats.win_rate
    lines = [f"{h.n_labels} human labels on {h.n_units_labelled} of {len(r.units)} units by "
             f"{', '.join(h.labellers)}; sample: {h.design}."]  # fmt: skip
    e = h.estimate
    if e is None:
        return [*lines, f"No human-anchored estimate yet: {h.reason}."]
    conf = round(100 * e.confidence)
    gap = f"; {h.set_aside} label(s) after a gap in the plan's order set aside" if h.set_aside else ""
    lines += [
        f"Human-anchored win rate (PPI++): {_interval(e.estimate, e.ci_low, e.ci_high)}, {conf}% CI, "
        f"valid however good or bad the panel is.",
        f"Humans only ({e.n_labels} labels): {_interval(e.humans_estimate, e.humans_ci_low, e.humans_ci_high)}. "
        f"Panel alone: {_interval(w.value, w.ci_low, w.ci_high)} (the panel's own win rate, not anchored).",
        f"The panel was worth {e.labels_worth:.0f} human labels here (the humans-only sample size with the same "
        f"interval width; lambda = {e.lam:.2f}){gap}.",
    ]
    if e.note:
        lines.append(f"Note: {e.note}.")
    return lines


def agreement_rows(h: HumanAnchor) -> list[list[str]]:
    return [
        [a.rater, str(a.n), _pct(a.agreement),
         "n/a" if math.isnan(a.kappa.value) else f"{a.kappa.value:.2f} [{a.kappa.ci_low:.2f}, {a.kappa.ci_high:.2f}]"]
        for a in h.agreement
    ]  # fmt: skip


AGREEMENT_HEADER = ["rater", "labelled units", "agreement", "Cohen's kappa [95% CI]"]


def human_markdown(r: RunResult) -> list[str]:
    if r.human is None:
        return []
    lines = ["## Against human labels", "", *headline(r), ""]
    lines += ["| " + " | ".join(AGREEMENT_HEADER) + " |", "| --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in agreement_rows(r.human)]
    for pair in r.human.labeller_agreement.pairs if r.human.labeller_agreement else ():
        if pair.kappa.n:
            lines.append(f"\nLabellers {pair.first} and {pair.second}: kappa {pair.kappa.value:.2f} on "
                         f"{pair.kappa.n} shared units.")  # fmt: skip
    return [*lines, ""]


def human_html(r: RunResult) -> str:
    h = r.human
    if h is None:
        return ""
    parts = ["".join(f"<p>{esc(line)}</p>" for line in headline(r))]
    if h.estimate is not None:
        e, w = h.estimate, r.stats.win_rate
        bars = [CiBar("human-anchored (PPI++)", e.estimate, e.ci_low, e.ci_high),
                CiBar("humans only", e.humans_estimate, e.humans_ci_low, e.humans_ci_high),
                CiBar("panel alone", w.value, w.ci_low, w.ci_high)]  # fmt: skip
        parts.append(win_rate_chart(bars, "Win rate: anchored, humans only, panel (95% CI)", "human-anchored"))
    parts.append(table(AGREEMENT_HEADER, agreement_rows(h)))
    return section("Against human labels", *parts, ident="human")


def human_json(r: RunResult) -> dict[str, Any] | None:
    h = r.human
    if h is None:
        return None
    e = h.estimate
    return {
        "design": h.design,
        "n_labels": h.n_labels,
        "n_units_labelled": h.n_units_labelled,
        "n_in_sample": h.n_in_sample,
        "set_aside": h.set_aside,
        "labellers": list(h.labellers),
        "reason_no_estimate": h.reason or None,
        "estimate": None
        if e is None
        else {
            "win_rate": e.estimate,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "confidence": e.confidence,
            "standard_error": _num(e.standard_error),
            "lambda": e.lam,
            "df": _num(e.df),
            "humans_only": {"win_rate": e.humans_estimate, "ci_low": e.humans_ci_low, "ci_high": e.humans_ci_high},
            "panel_mean_prediction": e.panel_mean,
            "labels_worth": _num(e.labels_worth),
            "note": e.note or None,
        },
        "agreement_with_humans": [
            {
                "rater": a.rater,
                "n": a.n,
                "agreement": _num(a.agreement),
                "kappa": _num(a.kappa.value),
                "kappa_low": _num(a.kappa.ci_low),
                "kappa_high": _num(a.kappa.ci_high),
            }
            for a in h.agreement
        ],
    }
