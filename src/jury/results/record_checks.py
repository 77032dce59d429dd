"""What a run record read from disk must hold beyond its types, checked before anything is derived from it.

A record that jury wrote always holds: item ids are unique, every judgment names a unit the run judged,
and a verdict carries the scores its presentation order needs (both outputs' scores when each output was
scored alone). A hand-edited or damaged run.json may not; `derive_result` would then fail deep inside
the aggregation with a KeyError or a TypeError, so such a record is refused here with the judgment's
place and what is wrong with it.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import ValidationError

from jury.errors import JuryError
from jury.records import Judgment
from jury.results.record import RunRecord
from jury.results.run_result import planned_units
from jury.turns import answers_of


def validation_problem(exc: ValidationError) -> str:
    """pydantic's first complaint, on one line: the field's path and what was expected."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the record"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"field '{where}': {first['msg']}{more}"


def _is_score(value: object) -> bool:
    """Jury's scores lie in [0, 1] (up to rounding: exp of a log-probability may come out at 1 + 1e-16);
    what the aggregation cannot take is no number at all, or NaN and infinity, which poison every mean."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _score_problem(j: Judgment) -> str | None:
    if j.preference is None:
        return None
    sides = ("candidate", "baseline") if j.order == "pointwise" else tuple(k for k in ("candidate",) if k in j.scores)
    bad = [s for s in sides if not _is_score(j.scores.get(s))]
    if bad:
        return f"its '{bad[0]}' score must be a finite number, got {j.scores.get(bad[0])!r}"
    return None


def check_record(record: RunRecord, folder: Path) -> None:
    """Refuse a record whose judgments do not fit its units; `folder` is the run's, for the message."""
    where = str(folder / "run.json")
    ids = [i.item_id for i in record.items]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise JuryError(f"the run record lists item '{twice}' twice", where=where)
    for side, outputs in (("outputs", record.outputs), ("baseline", record.baseline)):
        for k, output in enumerate(outputs):
            if not answers_of(output):
                raise JuryError(f"{side}[{k}] (item '{output.item_id}') has no answer", where=where)
    units = {u.unit_id for u in planned_units(record)}
    for k, j in enumerate(record.judgments):
        problem = None if j.unit_id in units else "names no unit the run judged (an item with answers on both sides)"
        problem = problem or _score_problem(j)
        if problem:
            raise JuryError(f"judgments[{k}] (unit '{j.unit_id}', judge '{j.judge}') {problem}", where=where)
