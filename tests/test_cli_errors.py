"""Bad arguments exit non-zero with one clear line and no traceback (the real entry point)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _jury(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jury", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--candidate", "nosuchprovider/model-x"], "unknown model 'nosuchprovider/model-x'"),
        (["run", "--candidate", "local/llama-9000"], "unknown local model 'local/llama-9000'"),
        (["run", "--panel", "nope"], "no panel named 'nope'"),
        (["run", "--baseline-outputs", "missing.jsonl", "--limit", "1"], "missing.jsonl: file not found"),
        (["run", "--task", "no_such_task"], "no task named 'no_such_task'"),
        (["run", "--candidate", "openai/gpt-4o-mini"], "needs OPENAI_API_KEY"),
        (["run", "--limit", "0"], "Invalid value for '--limit'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code(tmp_path, monkeypatch, args, expected):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = _jury(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if expected != "Invalid value for '--limit'":
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
