"""One labeller walking through a run's labelling plan: which pair comes next, in which order its two
answers are shown, and what each key does. Every answer is appended to the labels file before the next
pair is shown; the session starts from what the file already holds, so the same command resumes.

Keys: 1 / 2 = the answer shown first / second is better, 0 = tie, s = skip, u = undo the latest answer."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from jury.errors import JuryError
from jury.io.human_labels import LABELS_FILE, LabelRow, RunIdentity, answered, read_label_rows, resolve, run_identity
from jury.labels.log import append_rows, utc_now
from jury.labels.plan import Plan, make_plan
from jury.labels.uncertainty import unit_uncertainty
from jury.records import Order, Preference, Unit
from jury.results.run_result import RunResult

KEYS = {"1": "the first answer is better", "2": "the second answer is better", "0": "tie", "s": "skip", "u": "undo"}


def presented_order(seed: int, labeller: str, unit_id: str) -> Order:
    """Random per (seed, labeller, unit), and the same again when the session resumes."""
    digest = hashlib.sha256(f"{seed}\0{labeller}\0{unit_id}".encode()).digest()
    return "candidate_first" if digest[0] % 2 == 0 else "baseline_first"


def winner(key: str, order: Order) -> Preference:
    if key == "0":
        return Preference.TIE
    first_is_candidate = order == "candidate_first"
    return Preference.CANDIDATE if (key == "1") == first_is_candidate else Preference.BASELINE


@dataclass(frozen=True)
class Pair:
    """What the labeller is shown: one unit, its two sides in the presented order, and the progress."""

    draw: int
    unit: Unit
    order: Order
    done: int  # units of the plan this labeller has answered
    total: int  # units the plan asks

    @property
    def answers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Each side's answers up to this turn, first shown first."""
        u = self.unit
        return (u.candidate, u.baseline) if self.order == "candidate_first" else (u.baseline, u.candidate)


class LabelSession:
    """One labeller's walk through the plan. Built from the run and its labels file (which must make sense
    as a whole); thread-safe, since the web server answers requests from several threads."""

    def __init__(self, run: RunResult, *, labeller: str, strategy: str, seed: int, sample: int, via: str) -> None:
        if not labeller.strip() or len(labeller) > 100 or not labeller.isprintable():
            raise JuryError(f"labeller name {labeller!r}", fix="give --labeller a printable name of 1-100 characters")
        if not run.units:
            raise JuryError("the run has no judged pairs to label", where=str(run.report_dir))
        self.labeller, self.strategy, self.seed, self.via = labeller, strategy, seed, via
        self.units = run.units
        self.identity: RunIdentity = run_identity(run.run_id, run.units)
        self.path: Path = run.report_dir / LABELS_FILE
        rows = read_label_rows(self.path, self.identity)
        resolve(rows, self.identity)  # the whole file must make sense before anything is appended
        self._actions = answered(rows).get(labeller, [])
        self._check_plan(rows)
        votes = {v.unit_id: v for v in run.votes}
        uncertainty = [unit_uncertainty(votes[u.unit_id]) if u.unit_id in votes else 1.0 for u in run.units]
        clusters = [u.item.item_id for u in run.units]  # a conversation's turns share a stratum
        self.plan: Plan = make_plan(strategy, uncertainty, clusters, seed=seed)
        self.sample = max(sample, len(self._actions))
        self._check_progress()
        self._lock = threading.RLock()

    def _check_plan(self, rows: tuple[LabelRow, ...]) -> None:
        for row in rows:
            if row.labeller == self.labeller and (row.strategy, row.seed) != (self.strategy, self.seed):
                raise JuryError(
                    f"{self.labeller!r} labelled this run with --strategy {row.strategy} --seed {row.seed}",
                    where=row.where,
                    fix="resume with the same options, or label under another --labeller name",
                )

    def _check_progress(self) -> None:
        """The labeller's answers so far must be the plan's first units, in order."""
        asked = self.plan.asked(self.sample)
        for k, action in enumerate(self._actions):
            draw = asked[k]
            if action.draw != draw.position or action.unit_id != self.units[draw.unit].unit_id:
                raise JuryError(
                    f"the answers of {self.labeller!r} do not follow the plan (answer {k + 1} is on "
                    f"{action.unit_id!r}, the plan asks {self.units[draw.unit].unit_id!r})",
                    where=action.where,
                    fix="label under another --labeller name",
                )

    def current(self) -> Pair | None:
        """The next pair to label, or None when every planned pair is answered."""
        with self._lock:
            k = len(self._actions)
            asked = self.plan.asked(self.sample)
            if k >= len(asked):
                return None
            unit = self.units[asked[k].unit]
            return Pair(asked[k].position, unit, presented_order(self.seed, self.labeller, unit.unit_id), k, len(asked))

    @property
    def answered_count(self) -> int:
        return len(self._actions)

    @property
    def skipped_count(self) -> int:
        return sum(a.kind == "skip" for a in self._actions)

    def act(self, key: str, draw: int | None = None) -> str:
        """Apply one key; `draw` guards against a stale page answering a pair twice. Returns what happened."""
        if key not in KEYS:
            raise ValueError(f"unknown key {key!r}")
        with self._lock:
            if key == "u":
                return self._undo()
            pair = self.current()
            if pair is None:
                return "every planned pair is answered"
            if draw is not None and draw != pair.draw:
                return "that pair was already answered"
            self._answer(pair, key)
            return "skipped" if key == "s" else "labelled"

    def _row(self, kind: str, draw: int, unit_id: str, **extra: object) -> LabelRow:
        return LabelRow(
            kind, unit_id, self.labeller, utc_now(), self.strategy, self.seed, draw,
            population=self.plan.population, via=self.via, **extra,  # type: ignore[arg-type]
        )  # fmt: skip

    def _answer(self, pair: Pair, key: str) -> None:
        """One row, written and synced before the next pair is shown."""
        planned = self.plan.labels[pair.draw]
        kind = "skip" if key == "s" else "label"
        row = self._row(
            kind, pair.draw, pair.unit.unit_id, stratum=planned.stratum, stratum_size=planned.stratum_size,
            stratum_position=planned.stratum_position, order=pair.order,
            winner=None if key == "s" else winner(key, pair.order),
        )  # fmt: skip
        append_rows(self.path, [row], self.identity)
        self._actions.append(row)

    def _undo(self) -> str:
        if not self._actions:
            return "nothing to undo"
        last = self._actions[-1]
        assert last.draw is not None
        append_rows(self.path, [self._row("undo", last.draw, last.unit_id, order=last.order)], self.identity)
        self._actions.pop()
        return "undone"
