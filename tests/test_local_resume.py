"""`jury run` on the embedded panel, killed with SIGKILL and resumed, ends with the same results as a
run that was never interrupted: the resumed process evaluates the remaining prompts after different
ones (or none), and a local model's reply must not depend on that."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.local_models

LIMIT = 3
TOTAL_CALLS = LIMIT + 2 * 2 * LIMIT  # generations, then 2 judges x 2 outputs per item
KILL_AFTER = (2, 8)  # stored calls: among the generations, then among the judgments
# what legitimately differs between two runs with the same results
VOLATILE = {"run_id", "created_at", "latency_s", "cached", "model_calls", "cached_calls"}
SRC = str(Path(__import__("jury").__file__).resolve().parents[1])


def _env(workdir: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "JURY_HOME": str(workdir / ".jury"), "PYTHONPATH": path}


def _command() -> list[str]:
    return [sys.executable, "-m", "jury", "run", "--limit", str(LIMIT)]


def _stored(workdir: Path) -> int:
    path = workdir / ".jury" / "cache.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=5)
    try:
        return db.execute("SELECT count(*) FROM calls").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        db.close()


def _run_and_kill(workdir: Path, after: int) -> int:
    """Start the run and SIGKILL it once `after` calls are stored; how many were stored by then."""
    process = subprocess.Popen(_command(), cwd=workdir, env=_env(workdir), stdout=subprocess.DEVNULL)
    try:
        while _stored(workdir) < after and process.poll() is None:
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return _stored(workdir)


def _run(workdir: Path) -> None:
    subprocess.run(_command(), cwd=workdir, env=_env(workdir), stdout=subprocess.DEVNULL, check=True, timeout=900)


def _drop_volatile(value: Any, workdir: Path) -> Any:
    if isinstance(value, dict):
        return {k: _drop_volatile(v, workdir) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_drop_volatile(v, workdir) for v in value]
    return value.replace(str(workdir), "<workdir>") if isinstance(value, str) else value


def _results(workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every JSON result file of the one report, without what differs between equal runs; and run.json."""
    (report,) = (workdir / "reports").iterdir()
    files: dict[str, Any] = {}
    for path in sorted(report.iterdir()):
        if path.suffix == ".json":
            files[path.name] = json.loads(path.read_text())
        elif path.suffix == ".jsonl":
            files[path.name] = [json.loads(line) for line in path.read_text().splitlines()]
    assert "run.json" in files
    return _drop_volatile(files, workdir), files["run.json"]


def test_a_run_killed_twice_and_resumed_ends_with_the_uninterrupted_runs_results(tmp_path):
    uninterrupted, resumed = tmp_path / "uninterrupted", tmp_path / "resumed"
    uninterrupted.mkdir()
    resumed.mkdir()
    _run(uninterrupted)
    expected, _ = _results(uninterrupted)
    stored = [_run_and_kill(resumed, after) for after in KILL_AFTER]
    assert KILL_AFTER[0] <= stored[0] < KILL_AFTER[1] <= stored[1] < TOTAL_CALLS
    _run(resumed)
    got, results = _results(resumed)
    assert results["model_calls"] == TOTAL_CALLS - stored[1]  # nothing paid twice
    assert _stored(resumed) == _stored(uninterrupted) == TOTAL_CALLS
    assert got == expected
