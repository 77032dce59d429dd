"""Resume after kill -9: interrupt `jury run` halfway with SIGKILL, run it again, and compare with
an uninterrupted run in a fresh store: the calls add up to the same number and the results match.

    .venv/bin/python benchmarks/resume.py [--limit 12]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def stored_calls(home: Path) -> int:
    db = home / "cache.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.OperationalError:  # table not created yet
        return 0


def jury_run(workdir: Path, home: Path, limit: int, reports: str) -> subprocess.Popen:
    env = {**os.environ, "JURY_HOME": str(home)}
    cmd = [sys.executable, "-m", "jury", "run", "--limit", str(limit), "--reports-dir", reports]
    return subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def results(workdir: Path, reports: str) -> tuple[dict, list]:
    run_dir = sorted((workdir / reports).iterdir())[-1]
    data = json.loads((run_dir / "results.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "judgments.jsonl").read_text().splitlines()]
    verdicts = sorted((r["item_id"], r["judge"], r["order"], r["preference"], r["scores"]) for r in rows)
    return data, verdicts


def max_score_gap(a: list, b: list) -> float:
    return max(abs(x[4][k] - y[4][k]) for x, y in zip(a, b, strict=True) for k in x[4])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=12)
    args = parser.parse_args()
    expected = args.limit * (1 + 2 * 2)  # a generation, then 2 judges x 2 outputs per item
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        home = workdir / "store-interrupted"
        proc = jury_run(workdir, home, args.limit, "reports-interrupted")
        while stored_calls(home) < expected // 2 and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = stored_calls(home)
        print(f"killed with SIGKILL after {before} of {expected} calls were stored")

        resumed = jury_run(workdir, home, args.limit, "reports-interrupted")
        assert resumed.wait() == 0
        resumed_data, resumed_verdicts = results(workdir, "reports-interrupted")

        fresh = jury_run(workdir, workdir / "store-fresh", args.limit, "reports-fresh")
        assert fresh.wait() == 0
        fresh_data, fresh_verdicts = results(workdir, "reports-fresh")

    made_on_resume = resumed_data["model_calls"]
    print(f"resumed run made {made_on_resume} calls and took {resumed_data['cached_calls']} from the store")
    print(
        f"interrupted + resumed: {before} + {made_on_resume} = {before + made_on_resume} calls; "
        f"uninterrupted run: {fresh_data['model_calls']} calls"
    )
    print(
        f"win rate: resumed {resumed_data['result']['win_rate']:.4f}, uninterrupted "
        f"{fresh_data['result']['win_rate']:.4f}"
    )
    same = [x[:4] for x in resumed_verdicts] == [y[:4] for y in fresh_verdicts]
    print(
        f"per-judgment verdicts identical: {same} ({len(fresh_verdicts)} judgments); largest difference "
        f"in P(Yes) scores: {max_score_gap(resumed_verdicts, fresh_verdicts):.2e}"
    )


if __name__ == "__main__":
    main()
