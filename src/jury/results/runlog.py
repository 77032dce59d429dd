"""The run log on disk: `run.json` in the run's folder, one versioned record (see record.py) written
and read by one generic (de)serialiser, pydantic's, so a field added to a record is saved and loaded
without another line of code here. Folders written by earlier versions (record versions 1 and 2:
run.json + judgments.jsonl) still load, through legacy.py.

`judgments.jsonl` is still written beside it, as an export for `jury agreement` and spreadsheets.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from jury.errors import JuryError
from jury.io.human_labels import LABELS_FILE, load_human_labels, run_identity
from jury.results.consistency import check_record as check_consistency
from jury.results.human_anchor import human_anchor
from jury.results.legacy import LEGACY_VERSIONS, from_legacy
from jury.results.record import RECORD_VERSION, RunRecord
from jury.results.record_checks import check_record, validation_problem
from jury.results.run_result import RunResult, derive_result

RECORD_FILE = "run.json"
JUDGMENTS_FILE = "judgments.jsonl"
LEGACY_RESULTS_FILE = "results.json"  # record versions 1-2 kept the reported numbers apart
_RECORD = TypeAdapter(RunRecord)


def record_bytes(record: RunRecord) -> bytes:
    return _RECORD.dump_json(record, indent=1)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside, then rename: a crash mid-write leaves the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def judgment_rows(result: RunResult) -> list[dict[str, Any]]:
    rows = []
    for j in result.judgments:
        row = asdict(j)
        row["preference"] = j.preference.value if j.preference else None
        row["task"] = result.spec.task.name
        row["candidate"] = result.candidate
        row["baseline"] = result.baseline_name
        rows.append(row)
    return rows


def write_run_log(result: RunResult, results: dict[str, Any]) -> None:
    """run.json (with the results as reported) and the judgments.jsonl export, into the run's folder.
    A folder written before the single run log loses its results.json: run.json holds those numbers now."""
    folder = result.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LEGACY_RESULTS_FILE).unlink(missing_ok=True)
    _write_atomically(folder / RECORD_FILE, record_bytes(replace(result.record, results=results)) + b"\n")
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in judgment_rows(result))
    _write_atomically(folder / JUDGMENTS_FILE, lines.encode("utf-8"))


LATEST = "latest"


def resolve_run_dir(run: str | Path, reports_dir: Path = Path("reports")) -> Path:
    """A run is named by its folder, by its id under the reports folder, or as `latest` (the newest run
    there: run ids start with their UTC time); `DIR/latest` is the newest run in DIR."""
    if Path(run).name == LATEST and str(run) != LATEST:
        reports_dir, run = Path(run).parent, LATEST
    if str(run) == LATEST:
        runs = sorted(p for p in reports_dir.glob("*/" + RECORD_FILE)) if reports_dir.is_dir() else []
        if not runs:
            raise JuryError("no run yet", where=str(reports_dir), fix="run `jury run` first")
        return max(runs, key=lambda p: (p.parent.name[:15], p.stat().st_mtime)).parent
    for candidate in (Path(run), reports_dir / str(run)):
        if (candidate / RECORD_FILE).is_file():
            return candidate
    raise JuryError(
        f"no run record ({RECORD_FILE}) for run '{run}'",
        where=str(reports_dir),
        fix="give a reports/RUN-ID folder written by `jury run`, or `latest`",
    )


def read_record(folder: Path) -> RunRecord:
    """The run's record from its folder, whatever record version wrote it."""
    path = folder / RECORD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deeply to parse
        raise JuryError(f"cannot read the run record: {exc}", where=str(path)) from None
    if not isinstance(data, dict):
        raise JuryError("the run record is not a JSON object", where=str(path))
    version = data.get("version", data.get("record_version"))
    if version in LEGACY_VERSIONS:
        record = from_legacy(data, folder)
    elif version != RECORD_VERSION:
        raise JuryError(
            f"unknown run record version {version!r}", where=str(path), fix="this jury reads versions 1 to 3"
        )
    else:
        try:
            record = _RECORD.validate_python(data, strict=False)
        except ValidationError as exc:
            raise JuryError(f"the run record is damaged: {validation_problem(exc)}", where=str(path)) from None
    check_consistency(record, str(path))
    return record


def load_run(folder: Path) -> RunResult:
    """Rebuild a run's result from its folder alone: no store, no model call. Human labels in the
    folder (human_labels.jsonl, from `jury label`) are checked against the run and anchor its result."""
    record = read_record(folder)
    check_record(record, folder)
    result = derive_result(record, folder)
    labels_path = folder / LABELS_FILE
    if not labels_path.exists():
        return result
    labels = load_human_labels(labels_path, run_identity(result.run_id, result.units))
    return replace(result, human=human_anchor(result, labels))
