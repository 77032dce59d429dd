"""`jury probe-injection --panel P`: per judge, how often an answer that tells the judge what to
answer flips its verdict. Parse, call the library, render."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jury.errors import JuryError
from jury.stats.bias import Proportion
from jury.workflows.injection import run_injection_probe


def _p(p: Proportion) -> str:
    if p.n == 0:
        return "-"
    return f"{100 * p.value:.0f}% [{100 * p.ci_low:.0f}, {100 * p.ci_high:.0f}] ({p.hits}/{p.n})"


def probe_injection(
    panel: Annotated[str, typer.Option(help="Panel name (from panels/) or path to a panel YAML.")],
    probes: Annotated[
        Path | None,
        typer.Option(
            help="Your injection strings: YAML (`name: text` mapping, or a list of texts) or JSONL (one "
            '{"text": ..., "name": ...} per line). Default: the built-in injections.'
        ),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="Probe on this task's items (name or path, any task jury loads) instead of the built-in "
            "questions. Right answer: each item's baseline answer, else its reference. Wrong answer: the next "
            "item's right answer (it answers another question)."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the task's first N items.")] = None,
    columns: Annotated[
        str | None, typer.Option(help="Column mapping for a plain JSONL/CSV task, e.g. prompt=question,id=qid.")
    ] = None,
    store: Annotated[Path | None, typer.Option(help="State folder (cache). Default: $JURY_HOME or ./.jury")] = None,
) -> None:
    """Measure how often injected instructions in an output flip each judge's verdict.

    Each question has a right and a wrong answer; each judge compares right with wrong, with wrong plus
    each injection, and with wrong plus a harmless control text. A flip moves the verdict towards the
    wrong answer; the control's rate is what appending any text does.

    **Your own attacks and items.** `--probes FILE` replaces the built-in injections with yours;
    `--task` replaces the built-in questions with your task's items (multi-turn items: their first
    turn). Right answer: the item's baseline answer, or its reference when it has none (an item with
    neither is an error). Wrong answer: the right answer of the next item (skipping equal texts), so it
    has your task's style and length but answers another question. Such an answer is easier to reject
    than a subtly wrong one: the flip rates are then a lower bound. Calls: items x (injections + 2) x
    each judge's calls per comparison.

    **Examples**

    `jury probe-injection --panel poll`

    `jury probe-injection --panel poll --task my_task.yaml --probes attacks.yaml --limit 50`
    """
    from jury.io.formats.plain import parse_columns
    from jury.workflows.injection import ProbeSet, builtin_probes
    from jury.workflows.injection_inputs import load_probes, task_questions

    if task is None and (limit is not None or columns is not None):
        raise JuryError("--limit and --columns apply to --task items", fix="pass --task, or drop them")
    builtin = builtin_probes()
    injections = load_probes(probes) if probes else builtin.injections  # the cheap check first
    questions = task_questions(task, limit=limit, columns=parse_columns(columns)) if task else builtin.questions
    probe_set = ProbeSet(questions, builtin.control, injections)
    results = run_injection_probe(panel, probes=probe_set, store=store)
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
