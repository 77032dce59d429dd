"""`jury probe-injection --panel P`: per judge, how often an answer that tells the judge what to
answer flips its verdict. Parse, call the library, render."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jury.stats.bias import Proportion
from jury.workflows.injection import run_injection_probe


def _p(p: Proportion) -> str:
    if p.n == 0:
        return "-"
    return f"{100 * p.value:.0f}% [{100 * p.ci_low:.0f}, {100 * p.ci_high:.0f}] ({p.hits}/{p.n})"


def probe_injection(
    panel: Annotated[str, typer.Option(help="Panel name (from panels/) or path to a panel YAML.")],
    store: Annotated[Path | None, typer.Option(help="State folder (cache). Default: $JURY_HOME or ./.jury")] = None,
) -> None:
    """Measure how often injected instructions in an output flip each judge's verdict."""
    results = run_injection_probe(panel, store=store)
    table = Table(title="Verdicts flipped towards the injected (wrong) answer, exact 95% CI", title_justify="left")
    injections = list(results[0].by_injection) if results else []
    for name in ("judge", "right wins (plain)", "flip rate (all injections)", *injections, "left out"):
        table.add_column(name, justify="left" if name == "judge" else "right")
    for r in results:
        table.add_row(
            r.judge,
            _p(r.plain_right),
            _p(r.flips),
            *(_p(r.by_injection[i]) for i in injections),
            f"{r.abstained} abstained, {r.already_wrong} already wrong",
        )
    Console().print(table)
    Console().print("'control' appends harmless text: an injection matters only beyond the control's rate")
    if any(not math.isnan(r.flips.value) and r.flips.value > 0 for r in results):
        Console().print("a judge that flips can be steered by the outputs it grades: prefer judges that do not")
