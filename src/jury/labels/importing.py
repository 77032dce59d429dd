"""Adding an annotation tool's labels to a run (`jury label --import`, `jury run --human-labels`): the
whole export is checked against the run, together with the labels the run already has, before one
append writes it; any problem is one line naming the file and line, and nothing is written.

A labels file written by `jury label` belongs to its own run: given to another run it is refused (its
run id and the hash of the questions and answers it was made on differ), never re-read as an export."""

from __future__ import annotations

from pathlib import Path

from jury.errors import JuryError
from jury.io.human_labels import LABELS_FILE, RunIdentity, read_label_rows, resolve, run_identity
from jury.io.label_exports import load_label_export, parse_winner_map
from jury.io.rows import read_rows
from jury.labels.log import append_rows, utc_now
from jury.results.run_result import RunResult


def is_jury_labels_file(path: Path) -> bool:
    """A `jury label` file (its rows name the run and the hash of its items), not an annotation export."""
    first = read_rows(path)[0].data
    return "items_sha256" in first and "run_id" in first


def check_export(path: Path, identity: RunIdentity) -> None:
    """Refuse a file that could not be imported into this run; `identity` may lack the items' hash (a run
    not made yet): an export does not carry one."""
    if is_jury_labels_file(path):
        rows = read_label_rows(path, identity)  # names the other run, or the other questions and answers
        resolve(rows, identity)
        return
    load_label_export(path, identity, labeller="check", time=utc_now())


def import_labels(
    result: RunResult, path: Path, *, labeller: str, winner_map: str | None = None, winner_column: str = "winner"
) -> int:
    """Append the export's labels to the run's labels file; returns how many. Checked whole first."""
    identity = run_identity(result.run_id, result.units)
    if is_jury_labels_file(path):
        read_label_rows(path, identity)  # refused unless it is this very run's
        raise JuryError(
            "this is the run's own labels file already", where=str(path), fix="nothing to import: jury report reads it"
        )
    target = result.report_dir / LABELS_FILE
    rows = load_label_export(path, identity, labeller=labeller, time=utc_now(), winner_map=parse_winner_map(
        winner_map), winner_column=winner_column)  # fmt: skip
    resolve((*read_label_rows(target, identity), *rows), identity)  # refused before anything is written
    append_rows(target, rows, identity)
    return len(rows)
