"""Failed judge calls reach the exit code (the real entry point, scripted judges): a run with no verdict,
or more failed calls than --max-failed allows, exits 1 with one line saying why; the report is still
written; unreadable verdicts are counted apart from failed calls; a board never ranks such a run."""

from __future__ import annotations

import json
import sys

import pytest

from jury import cli
from jury.records import Preference

from .conftest import Scripted
from .helpers import write_panel, write_task

ROWS = [
    {"id": f"q{k}", "instruction": f"Question {k}?", "reference": f"r{k}", "baseline": f"base {k}"} for k in range(10)
]


def _cand(k: int) -> str:
    return f"cand {k}"


def _setup(workdir, scripts, reply) -> list[str]:
    """Ten items, one pairwise judge: 20 judgments, one call each."""
    scripts["judge"] = Scripted(reply=reply)
    task = write_task(workdir / "tasks", ROWS)
    panel = write_panel(workdir / "panels", [{"name": "judge", "model": "scripted/judge", "strategy": "pairwise"}])
    outputs = workdir / "mine.jsonl"
    outputs.write_text("".join(json.dumps({"id": r["id"], "output": _cand(k)}) + "\n" for k, r in enumerate(ROWS)))
    return ["judge", "--task", str(task), "--panel", str(panel), "--candidate-outputs", str(outputs), "--retries", "0"]


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`jury ARGS` through cli.main, as the console script runs it: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["jury", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def _prefers_candidate(prompt: str) -> str:
    return "[[A]]" if prompt.split("[A]\n")[1].startswith("cand") else "[[B]]"


def _fails_once(prompt: str) -> str:
    """Unreachable once: on Question 3 with the candidate shown first (1 of 20 calls)."""
    if "Question 3?\n[A]\ncand 3" in prompt:
        raise ConnectionError("judge server unreachable")
    return _prefers_candidate(prompt)


def test_a_run_whose_every_call_failed_exits_1_with_the_reason_and_writes_its_report(
    workdir, scripts, monkeypatch, capsys
):
    args = _setup(workdir, scripts, _prefers_candidate)
    scripts["judge"].fail_with = ConnectionError("judge server unreachable")
    code, out, err = _main(monkeypatch, capsys, *args)
    assert code == 1
    assert "win rate n/a" in out
    (line,) = [x for x in err.splitlines() if x.startswith("error: ")]  # one line (beside logged warnings)
    assert "Traceback" not in err and "no verdict on any of the 10 judged units" in line
    assert "20 of 20 judgments failed: 20 call failure(s) (commonest: " in line
    assert "judge server unreachable" in line and "0 unreadable verdict(s)" in line
    (report,) = (workdir / "reports").iterdir()  # the report is evidence: written all the same
    assert (report / "report.md").is_file() and report.name in line


def test_one_failed_call_in_twenty_passes_under_max_failed_ten_percent(workdir, scripts, monkeypatch, capsys):
    args = _setup(workdir, scripts, _fails_once)
    code, out, err = _main(monkeypatch, capsys, *args, "--max-failed", "0.1")
    assert code == 0, err
    assert "note: 1 of 20 judgments failed: 1 call failure(s)" in out and "within --max-failed 10.0%" in out
    # the same run held to 1%: 5% of its judgments were lost, so it fails (and says by how much)
    code, _, err = _main(monkeypatch, capsys, *args, "--max-failed", "0.01")
    assert code == 1
    assert "5.0% of the judgments were lost to failed calls, above --max-failed 1.0%" in err


def test_unreadable_verdicts_are_counted_apart_from_failed_calls(workdir, scripts, monkeypatch, capsys):
    def mumbles(prompt: str) -> str:
        if any(f"Question {k}?" in prompt for k in (5, 6, 7)):
            return "Both answers have merit."  # no [[A]] / [[B]] / [[C]]: the verdict cannot be read
        return _fails_once(prompt)

    args = _setup(workdir, scripts, mumbles)
    code, out, err = _main(monkeypatch, capsys, *args, "--max-failed", "0.1")
    assert code == 0, err  # 6 unreadable verdicts do not count against --max-failed, 1 failed call is within it
    assert "7 of 20 judgments failed: 1 call failure(s) (commonest: " in out
    assert "6 unreadable verdict(s) (commonest: no [[A]], [[B]] or [[C]] verdict in the reply)" in out


def test_a_judge_that_never_gives_a_readable_verdict_fails_the_run(workdir, scripts, monkeypatch, capsys):
    args = _setup(workdir, scripts, lambda prompt: "I cannot decide.")
    code, _, err = _main(monkeypatch, capsys, *args)
    assert code == 1
    assert "no verdict on any of the 10 judged units (commonest: no judge voted): 20 of 20 judgments failed: " in err
    assert "0 call failure(s), " in err
    assert "20 unreadable verdict(s)" in err


def test_a_board_does_not_rank_a_run_with_a_failed_call(workdir, scripts, monkeypatch, capsys):
    scripts["judge"] = Scripted(reply=_fails_once)
    board = workdir / "board"
    write_task(board / "task", ROWS)
    write_panel(board / "panel", [{"name": "judge", "model": "scripted/judge", "strategy": "pairwise"}])
    (board / "board.yaml").write_text("name: b\ntask: task/mini.yaml\npanel: panel/test.yaml\n")
    outputs = workdir / "mine.jsonl"
    outputs.write_text("".join(json.dumps({"id": r["id"], "output": _cand(k)}) + "\n" for k, r in enumerate(ROWS)))
    args = ["leaderboard", "submit", "--board", str(board), "--outputs", str(outputs), "--model", "m"]
    code, _, err = _main(monkeypatch, capsys, *args)
    assert code == 1 and "the submission was not ranked: 5.0% of the judgments were lost to failed calls" in err
    assert not (board / "submissions.jsonl").exists()  # no entry, so no ranking
    assert len(list((board / "results").iterdir())) == 1  # its report is kept as evidence
    scripts["judge"].reply = _prefers_candidate  # the server is back: submitting again ranks it
    code, _, err = _main(monkeypatch, capsys, *args)
    assert code == 0, err
    assert len((board / "submissions.jsonl").read_text().splitlines()) == 1


def test_failures_are_told_apart_from_the_judgments_reasons():
    from jury.records import Judgment
    from jury.results.failures import count_failures, failure_problem

    def j(preference, reason=None):
        return Judgment("u", "j", "m", "single", "pointwise", preference, abstain_reason=reason)

    error = "APIConnectionError: refused\nTraceback (most recent call last):\n  File x"
    judgments = [
        j(None, f"candidate: call failed: {error}; baseline: call failed: {error}"),  # pointwise, both calls
        j(None, f"candidate: no 'Rating: [[n]]' in the reply; baseline: call failed: {error}"),  # a call failed
        j(None, "candidate: rating 11 outside 1-10"),
        j(Preference.TIE),
    ]
    f = count_failures(judgments)
    assert (f.judgments, f.call_failed, f.parse_failed) == (4, 2, 1)
    assert f.commonest_call == "APIConnectionError: refused" and f.commonest_parse == "rating 11 outside 1-10"
    assert failure_problem(judgments, [], 0.5) is None and "50.0% of the judgments" in failure_problem(
        judgments, [], 0.4
    )
