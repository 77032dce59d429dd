"""`jury label RUN`: humans label a sample of a run's pairs, blind, in a local web page or the terminal;
`--import` adds an annotation tool's labels instead. Parse, call jury.labels, render."""

from __future__ import annotations

import getpass
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jury.errors import JuryError

if TYPE_CHECKING:
    from jury.io.human_labels import RunIdentity
    from jury.labels.session import LabelSession
    from jury.results.run_result import RunResult


class Strategy(StrEnum):
    uniform = "uniform"
    disagreement = "disagreement"


def _default_labeller() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (some containers)
        return "labeller"


def _say(text: str) -> None:
    typer.echo(text)


def _summary(folder: Path, identity: RunIdentity) -> None:
    from jury.io.human_labels import LABELS_FILE, load_human_labels
    from jury.labels.agreement import labeller_agreement

    labels = load_human_labels(folder / LABELS_FILE, identity)
    for who in sorted({x.labeller for x in labels.labels} | {w for w, _ in labels.skipped}):
        n = sum(x.labeller == who for x in labels.labels)
        skipped = sum(w == who for w, _ in labels.skipped)
        _say(f"{who}: {n} labelled, {skipped} skipped, of {labels.population} pairs in the run")
    agreement = labeller_agreement(labels.labels)
    for pair in agreement.pairs:
        if pair.kappa.n >= 2 and not math.isnan(pair.kappa.value):
            _say(
                f"agreement {pair.first} / {pair.second}: Cohen's kappa {pair.kappa.value:.2f} on {pair.kappa.n} pairs"
            )
    from jury.report.human_sections import headline
    from jury.results.runlog import load_run

    for line in headline(load_run(folder)):
        _say(line)
    _say(f"labels: {folder / LABELS_FILE} (jury report {folder} renders the anchored report)")


def _import(result: RunResult, file: Path, labeller: str, winner_map: str | None, winner_column: str) -> None:
    from jury.labels.importing import import_labels

    n = import_labels(result, file, labeller=labeller, winner_map=winner_map, winner_column=winner_column)
    _say(f"imported {n} labels from {file}")


def _serve(session: LabelSession, port: int) -> None:
    from jury.labels.server import LabelServer

    server = LabelServer(session, port)
    total = len(session.plan.asked(session.sample))
    left = total - session.answered_count
    _say(f"{session.labeller}: {left} of {total} pairs left to label at {server.url}")
    _say("Keys: 1 / 2 better, 0 tie, s skip, u undo. Every answer is saved at once; Ctrl-C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def label(
    run: Annotated[str, typer.Argument(help="A reports/RUN-ID folder, a run id under --reports-dir, or `latest`.")],
    sample: Annotated[int, typer.Option(min=1, help="How many pairs to ask (units: a turn of a conversation).")] = 50,
    strategy: Annotated[
        Strategy,
        typer.Option(
            help="uniform: a seeded random sample; disagreement: pairs the panel is unsure of come first and more "
            "often (a stratified sample: the human-anchored estimate weights each label by its inclusion probability)."
        ),
    ] = Strategy.uniform,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of the order answers are shown in.")] = 0,
    labeller: Annotated[str | None, typer.Option(help="Your name in the labels file. Default: your user name.")] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1. Default: a free one.")] = 0,
    tty: Annotated[bool, typer.Option("--tty", help="Label in this terminal instead of a web page.")] = False,
    import_file: Annotated[
        Path | None,
        typer.Option("--import", help="Add labels from an annotation tool's CSV/JSONL export instead of labelling."),
    ] = None,
    winner_map: Annotated[
        str | None, typer.Option(help="With --import: map winner values, e.g. model_a=candidate,model_b=baseline.")
    ] = None,
    winner_column: Annotated[str, typer.Option(help="With --import: the column holding the winner.")] = "winner",
    reports_dir: Annotated[Path, typer.Option(help="Where run folders live.")] = Path("reports"),
) -> None:
    """Label a sample of a run's pairs by hand, blind (no model or judge names, no panel verdict), into
    reports/RUN-ID/human_labels.jsonl: each answer is saved at once, and the same command resumes where
    you stopped. The page is served on 127.0.0.1 to whoever has the printed URL (it carries a token).

    **Example**

    `jury label reports/my-run --sample 50 --labeller alice`
    """
    from jury.io.human_labels import LABELS_FILE, run_identity
    from jury.labels.log import labeller_lock
    from jury.labels.session import LabelSession
    from jury.labels.tty import run_tty
    from jury.results.runlog import load_run, resolve_run_dir

    folder = resolve_run_dir(run, reports_dir)
    result = load_run(folder)
    who = labeller if labeller is not None else _default_labeller()
    if import_file is not None:
        _import(result, import_file, who, winner_map, winner_column)
    elif winner_map is not None:
        raise JuryError("--winner-map applies to --import only", fix="add --import FILE, or leave --winner-map out")
    else:
        with labeller_lock(folder / LABELS_FILE, who):
            session = LabelSession(
                result, labeller=who, strategy=strategy.value, seed=seed, sample=sample, via="tty" if tty else "web"
            )
            if tty:
                run_tty(session)
            else:
                _serve(session, port)
    _summary(folder, run_identity(result.run_id, result.units))
