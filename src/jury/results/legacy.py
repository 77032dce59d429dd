"""Run folders written before the single run log (record versions 1 and 2: run.json holding the
inputs, judgments.jsonl the judgments) read into today's RunRecord, so old reports still re-render.

Version 1 records judged multi-turn items on the whole conversation; they cannot be re-derived per
turn, so such a folder is refused with the way out.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.panel.spec import Deployment, JudgeSpec, PanelSpec
from jury.panel.strategies import get_strategy
from jury.records import Item, Judgment, Output, Preference, Usage
from jury.results.record import RunRecord, RunSpec, TaskInfo
from jury.turns import output_of

LEGACY_VERSIONS = (1, 2)
JUDGMENTS_FILE = "judgments.jsonl"


def _usage(d: dict[str, Any]) -> Usage:
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


def from_legacy(rec: dict[str, Any], folder: Path) -> RunRecord:
    where = str(folder / "run.json")
    try:
        lines = (folder / JUDGMENTS_FILE).read_text(encoding="utf-8").splitlines()
        judgments = tuple(_judgment(json.loads(line)) for line in lines if line.strip())
        return _record(rec, judgments, where)
    except JuryError:
        raise
    except KeyError as exc:
        raise JuryError(f"the run record is damaged: missing key {exc.args[0]!r}", where=where) from None
    except (OSError, ValueError, TypeError) as exc:
        raise JuryError(f"cannot read the run record: {type(exc).__name__}: {exc}", where=where) from None


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
