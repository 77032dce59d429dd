"""`jury calibrate --panel P --labels FILE`: how well each judge and the panel agree with human
labels, and per-judge weights fitted to them (written back with --write-weights). Parse, call the
library, render."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jury.io.labels import load_labels
from jury.panel.spec import load_panel
from jury.workflows.calibrate import run_calibration, write_weights


def _pct(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def _num(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}"


def calibrate(
    panel: Annotated[str, typer.Option(help="Panel name (from panels/) or path to a panel YAML.")],
    labels: Annotated[
        Path, typer.Option(help="JSONL: question, answer_a, answer_b, human_winner (a/b/tie), optional reference, id.")
    ],
    write_weights_: Annotated[
        bool,
        typer.Option("--write-weights", help="Write the fitted weights (and rule: log_odds) into the panel file."),
    ] = False,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds for the held-out figures.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the bootstrap CIs.")] = 0,
    store: Annotated[Path | None, typer.Option(help="State folder (cache). Default: $JURY_HOME or ./.jury")] = None,
) -> None:
    """Measure a panel against human-labelled pairs and fit per-judge weights.

    Each judge, the panel as written and the calibrated panel are scored against the human winners
    (accuracy, Cohen's kappa with CI, position consistency). The calibrated panel pools the judges'
    log-odds with weights from a logistic regression; its row is predicted from folds it was not
    fitted on, and is compared with the best single judge, paired over the same items.

    **Examples**

    `jury calibrate --panel local --labels my_labelled_pairs.jsonl`

    `jury calibrate --panel panels/my_panel.yaml --labels pairs.jsonl --folds 10 --write-weights`
    """
    pairs = load_labels(labels)
    report = run_calibration(panel, pairs, store=store, folds=folds, seed=seed)
    out = Console()
    out.print(
        f"panel '{report.panel}' on {report.n_items} labelled pairs ({report.n_fit} with a winner); every row is "
        f"scored on all of them; the calibrated row is predicted from weights fitted on the other {report.folds - 1} "
        f"of {report.folds} folds (a pair labelled a tie, which no fit sees, from the weights fitted on every winner)",
        highlight=False,
    )
    table = Table(title="Agreement with the human labels", title_justify="left")
    for name in ("rater", "accuracy (tie = ½)", "Cohen's kappa [95% CI]", "position consistency", "abstained", "n"):
        table.add_column(name, justify="left" if name == "rater" else "right")
    for r in report.rows:
        k = r.kappa
        table.add_row(
            r.rater,
            _pct(r.accuracy),
            f"{_num(k.value)} [{_num(k.ci_low)}, {_num(k.ci_high)}]",
            _pct(r.position_consistency),
            str(r.abstentions),
            str(r.n),
        )
    out.print(table)
    b = report.vs_best
    if b is not None:
        c = b.comparison
        out.print(
            f"calibrated (held out) minus the best judge ({b.judge}), paired over {c.n} items: "
            f"{100 * c.mean_difference:+.1f} points, 95% CI [{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}], "
            f"p = {c.p_value:.2g}",
            highlight=False,
        )
    e = report.escalation
    if e is not None:
        out.print(
            f"escalate mode replayed: {_pct(e.row.accuracy)} accuracy, kappa {_num(e.row.kappa.value)}; "
            f"third judge asked on {e.escalated} of {report.n_items} items, {e.calls_saved} of {e.calls_full} calls "
            f"saved ({_pct(e.calls_saved / e.calls_full)}); same verdict as the full jury on "
            f"{_pct(e.agreement_with_jury)} of items",
            highlight=False,
        )
    w = report.weights
    for judge, coef, weight in zip(w.judges, w.coefficients, w.weights, strict=True):
        out.print(f"{judge}: coefficient {coef:+.3f}, weight {weight:.4f}", highlight=False)
    if write_weights_:
        path = load_panel(panel).path
        write_weights(path, w)
        out.print(f"wrote the weights and `rule: log_odds` into {path}", highlight=False)
