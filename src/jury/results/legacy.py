"""Run folders written before the single run log (record versions 1 and 2: run.json holding the
inputs, judgments.jsonl the judgments) read into today's RunRecord, so old reports still re-render.

Version 1 records judged multi-turn items on the whole conversation; they cannot be re-derived per
turn, so such a folder is refused with the way out.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from jury.errors import JuryError
from jury.io.rows import read_json_rows
from jury.panel.spec import Deployment, JudgeSpec, PanelSpec
from jury.panel.strategies import get_strategy
from jury.records import Item, Judgment, Output, Preference, Usage
from jury.results.record import RunRecord, RunSpec, TaskInfo
from jury.results.record_checks import validation_problem
from jury.turns import output_of

LEGACY_VERSIONS = (1, 2)
JUDGMENTS_FILE = "judgments.jsonl"
# The records are built field by field from old JSON: validated as today's run.json is, so a value of
# the wrong type is refused here rather than failing later in the statistics.
_JUDGMENT = TypeAdapter(Judgment)
_RECORD = TypeAdapter(RunRecord)
# what building a record from a damaged old file raises (a missing key, a list where a mapping was)
_DAMAGED = (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError)


def _usage(d: dict[str, Any]) -> Usage:
    if not isinstance(d, dict):
        raise TypeError(f"usage must be a mapping, got {type(d).__name__}")
    return Usage(**{f.name: d[f.name] for f in fields(Usage) if f.name in d})


def _judgment(row: dict[str, Any]) -> Judgment:
    known = {f.name for f in fields(Judgment)}
    data = {k: v for k, v in row.items() if k in known}
    data["unit_id"] = row.get("unit_id", row.get("item_id"))  # named item_id before record version 3
    data["preference"] = Preference(row["preference"]) if row.get("preference") else None
    data["usage"] = _usage(row.get("usage") or {})
    return Judgment(**data)


def _judge_spec(row: dict[str, Any]) -> JudgeSpec:
    row = dict(row)
    deployments = tuple(Deployment(**d) for d in row.pop("deployments", []))
    spec = JudgeSpec(**row, deployments=deployments)
    # version 2 left `parser` empty for the strategy's default
    return spec if spec.parser else replace(spec, parser=get_strategy(spec.strategy).parsers[0])


def _panel(p: dict[str, Any]) -> PanelSpec:
    return PanelSpec(
        name=p["name"],
        path=Path(p["path"]),
        mode=p["mode"],
        rule=p["rule"],
        tie_rule=p["tie_rule"],
        judges=tuple(_judge_spec(j) for j in p["judges"]),
        description=p["description"],
        notes=tuple(p["notes"]),
        quorum=p["quorum"],
        score_tie_margin=p["score_tie_margin"],
        seed=p["seed"],
    )


def _judgments(folder: Path) -> tuple[Judgment, ...]:
    """judgments.jsonl, each row checked where it stands (file and line)."""
    path = folder / JUDGMENTS_FILE
    if not path.is_file():
        raise JuryError(
            f"no {JUDGMENTS_FILE} beside the run record (record version 2 keeps the judgments there)",
            where=str(folder / "run.json"),
        )
    if not path.read_bytes().strip():
        return ()
    out = []
    for row in read_json_rows(path):
        try:
            out.append(_JUDGMENT.validate_python(asdict(_judgment(row.data))))
        except ValidationError as exc:
            raise JuryError(f"not a judgment: {validation_problem(exc)}", where=row.where) from None
        except _DAMAGED as exc:
            raise JuryError(f"not a judgment: {type(exc).__name__}: {exc}"[:300], where=row.where) from None
    return tuple(out)


def from_legacy(rec: dict[str, Any], folder: Path) -> RunRecord:
    where = str(folder / "run.json")
    judgments = _judgments(folder)
    try:
        return _RECORD.validate_python(asdict(_record(rec, judgments, where)))
    except JuryError:
        raise
    except KeyError as exc:
        raise JuryError(f"the run record is damaged: missing key {exc.args[0]!r}", where=where) from None
    except ValidationError as exc:
        raise JuryError(f"the run record is damaged: {validation_problem(exc)}", where=where) from None
    except (*_DAMAGED, RecursionError) as exc:
        raise JuryError(f"cannot read the run record: {type(exc).__name__}: {exc}"[:300], where=where) from None


def _record(rec: dict[str, Any], judgments: tuple[Judgment, ...], where: str) -> RunRecord:
    t, c = rec["task"], rec["config"]
    items = tuple(
        Item(t["name"], i["item_id"], i["prompt"], i["reference"], turns=tuple(i["turns"]),
             references=tuple(i.get("references", ())))
        for i in t["items"]
    )  # fmt: skip
    if rec["record_version"] == 1 and any(i.turns for i in items):
        raise JuryError(
            "this run judged its multi-turn items on the whole conversation (run record version 1); "
            "turns are judged one by one now",
            where=where,
            fix="run it again to judge every turn (answers already generated come from the store)",
        )
    outputs = tuple(
        Output(o["item_id"], o["model"], o["text"], _usage(o["usage"]), tuple(o.get("turns", ())))
        for o in rec["outputs"]
    )
    baseline_turns = rec.get("baseline_turns", {})
    by_id = {i.item_id: i for i in items}
    baseline = tuple(
        output_of(by_id[k], rec["baseline_name"], tuple(baseline_turns.get(k, (text,))))
        for k, text in rec["baseline"].items()
    )
    spec = RunSpec(
        task=TaskInfo(t["name"], t["path"], t["format"], t["max_tokens"], t["description"], t["baseline_name"]),
        candidate=c["candidate"],
        baseline=rec["baseline_name"],
        panel=_panel(rec["panel"]),
        seed=c["seed"],
        limit=c["limit"],
        candidate_outputs=c["candidate_outputs"],
        baseline_outputs=c["baseline_outputs"],
        allow_partial=c["allow_partial"],
        dropped_items=tuple(rec["dropped_items"]),
        excluded_same_family=tuple(rec["panel"]["excluded_same_family"]),
    )
    return RunRecord(
        run_id=rec["run_id"],
        status="complete",  # earlier versions wrote a record only for finished runs
        spec=spec,
        items=items,
        outputs=outputs,
        baseline=baseline,
        judgments=judgments,
        usage={m: _usage(u) for m, u in rec["usage"].items()},
        model_calls=rec["model_calls"],
        cached_calls=rec["cached_calls"],
    )
