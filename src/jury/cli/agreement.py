"""`jury agreement FILE`: how far the judges in a verdicts file agree, with each other, with their
panel and with human labels when the file has them. Parse, call the library, render."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from jury.io.verdicts import load_verdicts
from jury.panel.units import item_of_unit
from jury.stats.agreement_report import agreement_report


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def _num(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}".replace("-0.000", "0.000")


def _table(title: str, frame: pd.DataFrame, first: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in (first, "vs", "n", "agree", "agree w/o ties (n)", "Cohen's kappa [95% CI]"):
        table.add_column(name, justify="left" if name in (first, "vs") else "right")
    for r in frame.itertuples(index=False):
        table.add_row(
            r.rater,
            r.reference,
            str(r.n),
            _pct(r.agreement),
            f"{_pct(r.agreement_without_ties)} ({r.n_without_ties})",
            f"{_num(r.kappa)} [{_num(r.kappa_low)}, {_num(r.kappa_high)}]",
        )
    return table


def agreement(
    file: Annotated[Path, typer.Argument(help="JSONL: item_id, judge, verdict, optional human and order.")],
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap CIs.")] = 0,
) -> None:
    """Agreement tables for a file of verdicts (e.g. a run's judgments.jsonl).

    The turns of a multi-turn item (ids `<item>#turn<k>`, as in a multi-turn run's judgments.jsonl)
    are not independent: the kappa CIs resample whole conversations."""
    data = load_verdicts(file)
    conversations = [item_of_unit(str(u)) for u in data.verdicts.index]
    clustered = len(set(conversations)) < len(conversations)
    report = agreement_report(data.verdicts, data.human, seed=seed, clusters=conversations if clustered else None)
    out = Console()
    counted = (
        f"{report.n_items} turns of {len(set(conversations))} conversations" if clustered else f"{report.n_items} items"
    )
    notes = [f"{counted}, {report.n_judges} judges, {data.rows} rows"]
    if data.orders_disagreeing:
        notes.append(f"{data.orders_disagreeing} verdicts changed with the presentation order (counted as ties)")
    if data.human is None:
        notes.append("no human labels")
    out.print("; ".join(notes))
    out.print(_table("Judge pairs", report.pairs, "judge"))
    out.print(_table("Each judge against the panel's majority (the judge is part of it)", report.vs_panel, "judge"))
    if report.vs_human is not None:
        out.print(_table("Against human labels", report.vs_human, "judge"))
    many = [("Fleiss' kappa", report.fleiss), ("Krippendorff's alpha, nominal", report.alpha_nominal)]
    if report.alpha_ordinal is not None:
        many.append(("Krippendorff's alpha, ordinal", report.alpha_ordinal))
    for name, m in many:
        out.print(f"{name}: {_num(m.value)} over {m.n_items} items, {m.n_raters} judges")
    if note := report.left_out_note():
        out.print(note, highlight=False)
    if clustered:
        out.print("kappa CIs resample whole conversations: the turns of one conversation are not independent")
