"""reports/RUN-ID/human_labels.jsonl: the labels humans gave a run's pairs, one JSON object per line, only
ever appended to. This module is the file format: the fields of a row, checking a file against its run,
and resolving it into one label per (unit, labeller).

Row kinds: `label` (a winner), `skip`, `undo` (takes back the labeller's latest label or skip that is not
already taken back). A label made through a plan (jury.labels.plan) records its place in the plan's
stratified sample: stratum, stratum size and rank in the stratum's order. A later label of the same unit by
the same labeller supersedes the earlier; both stay.
Every problem is a JuryError naming the file and line; nothing is skipped."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.rows import Row, read_json_rows
from jury.records import Preference, Unit
from jury.turns import user_turns

LABELS_FILE = "human_labels.jsonl"
FORMAT_VERSION = 1
KINDS = ("label", "skip", "undo")
ORDERS = ("candidate_first", "baseline_first")
PLANNED = ("uniform", "disagreement")  # plan strategies; "import": labels from elsewhere, no plan
WINNERS = {p.value: p for p in Preference}


@dataclass(frozen=True)
class RunIdentity:
    """What a labels file must match: the run's id, the hash of what was shown, and its units."""

    run_id: str
    items_sha256: str
    units: Mapping[str, tuple[str, int]]  # unit id -> (item id, turn)


def items_hash(units: Sequence[Unit]) -> str:
    """sha256 of every unit's id, user turns and both sides' answers: labels of other answers are refused."""
    shown = [[u.unit_id, list(user_turns(u.item)[: u.turn]), list(u.candidate), list(u.baseline)] for u in units]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def run_identity(run_id: str, units: Sequence[Unit]) -> RunIdentity:
    return RunIdentity(run_id, items_hash(units), {u.unit_id: (u.item.item_id, u.turn) for u in units})


@dataclass(frozen=True)
class LabelRow:
    kind: str
    unit_id: str
    labeller: str
    time: str  # UTC, ISO 8601
    strategy: str  # the plan's, or "import"
    seed: int | None = None
    draw: int | None = None  # position in the plan (for undo: the undone action's)
    stratum: int | None = None  # the plan's stratum of this unit (0: where the panel is least sure)
    stratum_size: int | None = None  # units in that stratum
    stratum_position: int | None = None  # the unit's rank in the stratum's random order
    population: int | None = None
    order: str | None = None  # how the pair was shown: candidate_first or baseline_first
    winner: Preference | None = None  # mapped back from the presented sides
    via: str = ""  # web, tty or import
    where: str = ""  # file:line, when read from a file


def row_json(row: LabelRow, run: RunIdentity) -> dict[str, Any]:
    item_id, turn = run.units[row.unit_id]
    return {
        "version": FORMAT_VERSION,
        "kind": row.kind,
        "run_id": run.run_id,
        "items_sha256": run.items_sha256,
        "unit_id": row.unit_id,
        "item_id": item_id,
        "turn": turn,
        "labeller": row.labeller,
        "order": row.order,
        "winner": row.winner.value if row.winner else None,
        "time": row.time,
        "strategy": row.strategy,
        "seed": row.seed,
        "draw": row.draw,
        "stratum": row.stratum,
        "stratum_size": row.stratum_size,
        "stratum_position": row.stratum_position,
        # the label's inclusion probability if the labeller stops right after it (the estimator recomputes it
        # at the labeller's real stop, from the three fields above)
        "inclusion_probability": (
            (row.stratum_position + 1) / row.stratum_size
            if row.stratum_position is not None and row.stratum_size
            else None
        ),
        "population": row.population,
        "via": row.via,
    }


def _field(row: Row, name: str, kinds: tuple[type, ...], *, optional: bool = False) -> Any:
    value = row.data.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        got = "nothing" if value is None else type(value).__name__
        raise JuryError(f"field '{name}' must be {kinds[0].__name__}, got {got}", where=row.where)
    return value


def _check_run(row: Row, run: RunIdentity) -> None:
    if row.data.get("version") != FORMAT_VERSION:
        raise JuryError(f"unknown labels format version {row.data.get('version')!r}", where=row.where)
    if row.data.get("run_id") != run.run_id:
        raise JuryError(
            f"labels of run {row.data.get('run_id')!r}, not of run {run.run_id!r}",
            where=row.where,
            fix="give the labels file of this run",
        )
    if row.data.get("items_sha256") != run.items_sha256:
        raise JuryError(
            "labels made on other questions or answers than this run's (items_sha256 differs)",
            where=row.where,
            fix="label this run again",
        )


def check_unit(row: Row, run: RunIdentity, unit_id: str, item_id: str | None, turn: int | None) -> None:
    if unit_id not in run.units:
        raise JuryError(f"unit {unit_id!r} is not in run {run.run_id!r}", where=row.where)
    expected = run.units[unit_id]
    if (item_id is not None and item_id != expected[0]) or (turn is not None and turn != expected[1]):
        raise JuryError(
            f"unit {unit_id!r} is item {expected[0]!r} turn {expected[1]}, the row says {item_id!r} turn {turn}",
            where=row.where,
        )


def parse_winner(row: Row, value: object) -> Preference:
    if not isinstance(value, str) or value not in WINNERS:
        raise JuryError(f"unknown winner {value!r}", where=row.where, fix="use candidate, baseline or tie")
    return WINNERS[value]


def parse_row(row: Row, run: RunIdentity) -> LabelRow:
    _check_run(row, run)
    kind = _field(row, "kind", (str,))
    if kind not in KINDS:
        raise JuryError(f"unknown row kind {kind!r}", where=row.where, fix=f"use one of {', '.join(KINDS)}")
    unit_id = _field(row, "unit_id", (str,))
    check_unit(row, run, unit_id, _field(row, "item_id", (str,)), _field(row, "turn", (int,)))
    order = _field(row, "order", (str,), optional=True)
    if order is not None and order not in ORDERS:
        raise JuryError(f"unknown order {order!r}", where=row.where, fix="use candidate_first or baseline_first")
    labeller = _field(row, "labeller", (str,))
    if not labeller.strip():
        raise JuryError("field 'labeller' is empty", where=row.where)
    stratum = _field(row, "stratum", (int,), optional=True)
    size = _field(row, "stratum_size", (int,), optional=True)
    position = _field(row, "stratum_position", (int,), optional=True)
    if (stratum is None) != (size is None) or (size is None) != (position is None):
        raise JuryError("stratum, stratum_size and stratum_position go together", where=row.where)
    if size is not None and not (stratum >= 0 and 0 <= position < size <= len(run.units)):
        raise JuryError(f"stratum {stratum}: rank {position} of {size} units is impossible", where=row.where)
    population = _field(row, "population", (int,), optional=True)
    if population is not None and population != len(run.units):
        raise JuryError(f"population {population}, but the run has {len(run.units)} units", where=row.where)
    winner = parse_winner(row, row.data.get("winner")) if kind == "label" else None
    return LabelRow(
        kind, unit_id, labeller, _field(row, "time", (str,)), _field(row, "strategy", (str,)),
        _field(row, "seed", (int,), optional=True), _field(row, "draw", (int,), optional=True),
        stratum, size, position, population, order, winner, _field(row, "via", (str,)), row.where,
    )  # fmt: skip


def read_label_rows(path: Path, run: RunIdentity) -> tuple[LabelRow, ...]:
    """Every row of a labels file, checked against the run; an absent or empty file has none."""
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return ()
    return tuple(parse_row(row, run) for row in read_json_rows(path))


def answered(rows: Sequence[LabelRow]) -> dict[str, list[LabelRow]]:
    """Per labeller, their labels and skips in order, with the undone ones taken out."""
    stacks: dict[str, list[LabelRow]] = {}
    for row in rows:
        stack = stacks.setdefault(row.labeller, [])
        if row.kind in ("label", "skip"):
            stack.append(row)
        elif row.kind == "undo":
            if not stack:
                raise JuryError(f"undo, but labeller {row.labeller!r} has nothing left to undo", where=row.where)
            last = stack.pop()
            if (last.unit_id, last.draw) != (row.unit_id, row.draw):
                raise JuryError(
                    f"undo of unit {row.unit_id!r}, but the latest answer of {row.labeller!r} is on {last.unit_id!r}",
                    where=row.where,
                )
    return stacks


@dataclass(frozen=True)
class HumanLabel:
    """One labeller's label of one unit, after undo and supersede, with what an estimator needs."""

    unit_id: str
    item_id: str
    turn: int
    labeller: str
    winner: Preference
    strategy: str
    seed: int | None
    time: str
    draw: int | None  # the unit's position in the plan; None for imported labels
    stratum: int | None = None  # the plan's stratified sample (None for imported labels)
    stratum_size: int | None = None
    stratum_position: int | None = None

    @property
    def score(self) -> float:
        """The human's candidate score: 1, 1/2 or 0."""
        return self.winner.score


@dataclass(frozen=True)
class HumanLabels:
    labels: tuple[HumanLabel, ...]
    skipped: tuple[tuple[str, str], ...]  # (labeller, unit id) whose latest answer is a skip
    population: int


def _plan_name(strategy: str, seed: int | None) -> str:
    return "imported labels" if strategy == "import" else f"--strategy {strategy} --seed {seed}"


def _one_plan(rows: Sequence[LabelRow]) -> None:
    """A labeller's inclusion probabilities mean something only under one plan."""
    plans: dict[str, tuple[str, int | None]] = {}
    for row in rows:
        plan = plans.setdefault(row.labeller, (row.strategy, row.seed))
        if plan != (row.strategy, row.seed):
            raise JuryError(
                f"labeller {row.labeller!r} has labels under two plans ({_plan_name(*plan)}, then "
                f"{_plan_name(row.strategy, row.seed)})",
                where=row.where,
                fix="use one plan per labeller name (the same --strategy and --seed, or another --labeller)",
            )


def _labels_of(
    labeller: str, actions: list[LabelRow], run: RunIdentity
) -> tuple[list[HumanLabel], list[tuple[str, str]]]:
    """The labeller's labels and skips; a later answer on a unit supersedes the earlier."""
    labels, skipped = [], []
    for unit_id, a in {a.unit_id: a for a in actions}.items():
        if a.winner is None:
            skipped.append((labeller, unit_id))
            continue
        item_id, turn = run.units[unit_id]
        labels.append(
            HumanLabel(unit_id, item_id, turn, labeller, a.winner, a.strategy, a.seed, a.time, a.draw,
                       a.stratum, a.stratum_size, a.stratum_position)
        )  # fmt: skip
    return labels, skipped


def resolve(rows: Sequence[LabelRow], run: RunIdentity) -> HumanLabels:
    _one_plan(rows)
    labels: list[HumanLabel] = []
    skipped: list[tuple[str, str]] = []
    for labeller, actions in answered(rows).items():
        mine, skips = _labels_of(labeller, actions, run)
        labels += mine
        skipped += skips
    return HumanLabels(tuple(labels), tuple(skipped), len(run.units))


def load_human_labels(path: Path, run: RunIdentity) -> HumanLabels:
    """A run's labels file, checked and resolved: one label per (unit, labeller)."""
    return resolve(read_label_rows(path, run), run)
