"""The run record: everything a report needs, saved next to the report so `jury report RUN` and the
leaderboard can rebuild a run's result from files alone, with no model call and no store.

run.json holds the inputs (config, items, panel, outputs, baseline, usage); judgments.jsonl holds
every judgment. Votes and statistics are derived again from the judgments through the same
functions the pipeline uses, so a re-rendered report picks up statistics added since the run.

Record version 2 keeps every turn's answer of multi-turn items (outputs' `turns`, `baseline_turns`)
and per-turn references, which per-turn judging needs; a version 1 record reads as before unless it
holds multi-turn items, which were judged on the whole conversation then.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.models.redaction import redact
from jury.panel.spec import Deployment, JudgeSpec, PanelSpec
from jury.panel.units import judged_units
from jury.records import Item, Judgment, Output, Preference, Usage
from jury.tasks.loader import Task
from jury.turns import answers_of
from jury.workflows.pipeline import RunConfig, RunResult, derive_results

RECORD_VERSION = 2
READABLE_VERSIONS = (1, 2)
RECORD_FILE = "run.json"
JUDGMENTS_FILE = "judgments.jsonl"


def judgment_rows(result: RunResult) -> list[dict[str, Any]]:
    rows = []
    for j in result.judgments:
        row = asdict(j)
        row["preference"] = j.preference.value if j.preference else None
        row["task"] = result.task.name
        row["candidate"] = result.config.candidate
        row["baseline"] = result.baseline_name
        rows.append(row)
    return rows


def _config_json(config: RunConfig) -> dict[str, Any]:
    """Only what identifies the run; the call policy (timeouts, retries) is not part of a result."""
    return {
        "task": config.task,
        "candidate": config.candidate,
        "baseline_outputs": str(config.baseline_outputs) if config.baseline_outputs else None,
        "baseline_name": config.baseline_name,
        "panel": config.panel,
        "limit": config.limit,
        "seed": config.seed,
        "candidate_outputs": str(config.candidate_outputs) if config.candidate_outputs else None,
        "allow_partial": config.allow_partial,
    }


def _judge_json(j: JudgeSpec) -> dict[str, Any]:
    row = asdict(j)
    row["api_base"] = redact(j.api_base) if j.api_base else None  # a URL may carry credentials
    return row


def run_record(result: RunResult) -> dict[str, Any]:
    p = result.panel
    return {
        "record_version": RECORD_VERSION,
        "run_id": result.run_id,
        "config": _config_json(result.config),
        "task": {
            "name": result.task.name,
            "path": str(result.task.path),
            "baseline_name": result.task.baseline_name,
            "max_tokens": result.task.max_tokens,
            "description": result.task.description,
            "format": result.task.format,
            "items": [
                {
                    "item_id": i.item_id,
                    "prompt": i.prompt,
                    "reference": i.reference,
                    "turns": list(i.turns),
                    "references": list(i.references),
                }
                for i in result.task.items
            ],
        },
        "panel": {
            "name": p.name,
            "path": str(p.path),
            "mode": p.mode,
            "rule": p.rule,
            "tie_rule": p.tie_rule,
            "description": p.description,
            "notes": list(p.notes),
            "quorum": p.quorum,
            "score_tie_margin": p.score_tie_margin,
            "seed": p.seed,
            "judges": [_judge_json(j) for j in p.judges],
            "excluded_same_family": list(result.bias.excluded_same_family) if result.bias else [],
        },
        "baseline_name": result.baseline_name,
        "baseline": result.baseline,
        "baseline_turns": {k: list(v) for k, v in result.baseline_turns.items()},
        "outputs": [asdict(o) for o in result.outputs],
        "usage": {m: asdict(u) for m, u in result.usage.items()},
        "model_calls": result.model_calls,
        "cached_calls": result.cached_calls,
        "dropped_items": list(result.dropped_items),
    }


def write_run_record(result: RunResult, folder: Path) -> None:
    (folder / RECORD_FILE).write_text(json.dumps(run_record(result), indent=1, ensure_ascii=False) + "\n", "utf-8")
    with (folder / JUDGMENTS_FILE).open("w", encoding="utf-8") as fh:
        for row in judgment_rows(result):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _judge_spec(row: dict[str, Any]) -> JudgeSpec:
    deployments = tuple(Deployment(**d) for d in row.pop("deployments", []))
    return JudgeSpec(**row, deployments=deployments)


def _usage(d: dict[str, Any]) -> Usage:
    return Usage(**{f.name: d[f.name] for f in fields(Usage) if f.name in d})


def _judgment(row: dict[str, Any]) -> Judgment:
    known = {f.name for f in fields(Judgment)}
    data = {k: v for k, v in row.items() if k in known}
    data["preference"] = Preference(row["preference"]) if row.get("preference") else None
    data["usage"] = _usage(row.get("usage") or {})
    return Judgment(**data)


def resolve_run_dir(run: str | Path, reports_dir: Path = Path("reports")) -> Path:
    """A run is named by its folder, or by its id under the reports folder."""
    for candidate in (Path(run), reports_dir / str(run)):
        if (candidate / RECORD_FILE).is_file():
            return candidate
    raise JuryError(
        f"no run record ({RECORD_FILE}) for run '{run}'",
        where=str(reports_dir),
        fix="give a reports/<run-id> folder written by `jury run` (runs written before jury 0.1's reports "
        "cannot be re-rendered)",
    )


def load_run(folder: Path) -> RunResult:
    """Rebuild a RunResult from run.json + judgments.jsonl; no store, no model call."""
    try:
        rec = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        lines = (folder / JUDGMENTS_FILE).read_text(encoding="utf-8").splitlines()
        judgments = tuple(_judgment(json.loads(line)) for line in lines if line.strip())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise JuryError(f"cannot read the run record: {exc}", where=str(folder)) from None
    version = rec.get("record_version")
    if version not in READABLE_VERSIONS:
        raise JuryError(f"unknown run record version {version!r}", where=str(folder / RECORD_FILE))
    t, p, c = rec["task"], rec["panel"], rec["config"]
    items = tuple(
        Item(t["name"], i["item_id"], i["prompt"], i["reference"], turns=tuple(i["turns"]),
             references=tuple(i.get("references", ())))
        for i in t["items"]
    )  # fmt: skip
    if version == 1 and any(i.turns for i in items):
        raise JuryError(
            "this run judged its multi-turn items on the whole conversation (run record version 1); "
            "turns are judged one by one now",
            where=str(folder / RECORD_FILE),
            fix="run it again to judge every turn (answers already generated come from the store)",
        )
    task = Task(t["name"], Path(t["path"]), items, t["baseline_name"], t["max_tokens"], t["description"], t["format"])
    panel = PanelSpec(
        p["name"], Path(p["path"]), p["mode"], p["rule"], p["tie_rule"],
        tuple(_judge_spec(j) for j in p["judges"]), p["description"], tuple(p["notes"]),
        p["quorum"], p["score_tie_margin"], p["seed"],
    )  # fmt: skip
    config = replace(
        RunConfig(),
        task=c["task"],
        candidate=c["candidate"],
        baseline_name=c["baseline_name"],
        panel=c["panel"],
        limit=c["limit"],
        seed=c["seed"],
        reports_dir=folder.parent,
        allow_partial=c["allow_partial"],
        baseline_outputs=Path(c["baseline_outputs"]) if c["baseline_outputs"] else None,
        candidate_outputs=Path(c["candidate_outputs"]) if c["candidate_outputs"] else None,
    )
    outputs = tuple(
        Output(o["item_id"], o["model"], o["text"], _usage(o["usage"]), tuple(o.get("turns", ())))
        for o in rec["outputs"]
    )
    baseline_turns = {k: tuple(v) for k, v in rec.get("baseline_turns", {}).items()}
    units = judged_units(
        items,
        {o.item_id: answers_of(o) for o in outputs},
        {k: baseline_turns.get(k, (text,)) for k, text in rec["baseline"].items()},
    )
    jvotes, votes, stats, bias = derive_results(panel, units, judgments, config, tuple(p["excluded_same_family"]))
    return RunResult(
        run_id=rec["run_id"],
        report_dir=folder,
        config=config,
        task=task,
        panel=panel,
        baseline_name=rec["baseline_name"],
        outputs=outputs,
        baseline=rec["baseline"],
        baseline_turns=baseline_turns,
        units=units,
        judgments=judgments,
        judge_votes=jvotes,
        votes=votes,
        stats=stats,
        usage={m: _usage(u) for m, u in rec["usage"].items()},
        model_calls=rec["model_calls"],
        cached_calls=rec["cached_calls"],
        dropped_items=tuple(rec["dropped_items"]),
        bias=bias,
    )


def check_comparable(a: RunResult, b: RunResult) -> None:
    """A paired comparison only means something on the same task against the same baseline."""
    for what, x, y in (("task", a.task.name, b.task.name), ("baseline", a.baseline_name, b.baseline_name)):
        if x != y:
            raise JuryError(
                f"the runs have different {what}s ('{x}' and '{y}')",
                fix=f"compare two runs of the same {what}",
            )
