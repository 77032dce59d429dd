"""Every command and file snippet in README.md and docs/*.md is run: a broken example fails here.

The documents share one sandbox folder. Fenced blocks with `file=PATH` in their info string are
written there first (the example tasks, panels, outputs files, boards); YAML, TOML, JSON and JSONL
blocks are parsed, and every panel or task file is validated by `jury validate`. Then each `bash`
block runs line by line, in document order, through the real entry point (`python -m jury`, exit 0
required, no traceback). Remote providers are a loopback OpenAI-compatible server: the documented
server address is replaced by its address and the providers' base-URL variables point at it; local
models are the real embedded ones. `jury label`, which serves a page until stopped, is started,
its page fetched with the printed token, and stopped. The few commands not run here are listed in
NOT_RUN with the test that covers each."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from jury.io.strict_yaml import load_yaml

from .conftest import ROOT
from .helpers import serve_in_thread
from .test_batch import FAKE

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_SERVER = "http://localhost:8000/v1"
NOT_RUN = {
    "pip install .": "tests/test_packaging.py builds the wheel and installs it into a fresh environment",
    "pip install '.[local]'": "`make install` (make demo / make test) installs the local extra on every CI run",
    "make demo": "runs `jury run`, which this test runs (with --limit) and tests/test_local_models.py covers",
    "make test": "CI runs it: .ci/run",
}
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    lang: str
    attrs: dict[str, str]
    text: str


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        attrs = dict(a.split("=", 1) for a in m.group(2).split() if "=" in a)
        out.append(Block(path.name, text[: m.start()].count("\n") + 1, m.group(1), attrs, m.group(3)))
    return out


ALL = [b for doc in DOCS for b in blocks(doc)]


def test_the_documents_have_what_this_test_runs():
    langs = {b.lang for b in ALL}
    assert {"bash", "yaml"} <= langs and len([b for b in ALL if b.lang == "bash"]) >= 10
    assert sum("file" in b.attrs for b in ALL) >= 8


@pytest.mark.parametrize("block", [b for b in ALL if b.lang in ("yaml", "toml", "json", "jsonl")],
                         ids=lambda b: f"{b.doc}:{b.line}")  # fmt: skip
def test_every_data_snippet_parses(block, tmp_path):
    if block.lang == "toml":
        tomllib.loads(block.text)
    elif block.lang == "json":
        json.loads(block.text)
    elif block.lang == "jsonl":
        for line in block.text.splitlines():
            json.loads(line)
    else:
        path = tmp_path / "snippet.yaml"
        path.write_text(block.text)
        assert load_yaml(path) is not None  # strict: a repeated key is an error


def _logical_lines(text: str) -> list[str]:
    """Lines of a shell block, continuations joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    written: dict[str, str] = {}
    for b in ALL:
        if "file" not in b.attrs:
            continue
        name = b.attrs["file"]
        assert written.get(name, b.text) == b.text, f"{b.doc}:{b.line}: {name} is defined twice, differently"
        written[name] = b.text
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(b.text, encoding="utf-8")
    return folder, sorted(written)


def _env(folder: Path, url: str) -> dict[str, str]:
    src = str(ROOT / "src")
    return {
        **os.environ,
        "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "JURY_HOME": str(folder / ".jury"),
        "OPENAI_API_BASE": url,
        "OPENROUTER_API_BASE": url,
        "HOSTED_VLLM_API_BASE": url,
        "COLUMNS": "120",
    }


def _jury(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "jury", *args]


def _label_page(args: list[str], folder: Path, env: dict[str, str]) -> None:
    """Start `jury label`, fetch the page it prints (with its token), stop it with Ctrl-C."""
    process = subprocess.Popen(_jury(args), cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+/\S*token=\S+", line)
            if found:
                url = found.group(0)
                break
        assert url, process.stderr.read() if process.stderr else "no address printed"
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0


def _run_line(line: str, doc: str, folder: Path, env: dict[str, str], url: str) -> None:
    line = line.replace(DOCUMENTED_SERVER, url)
    if shlex.join(shlex.split(line, comments=True)) in NOT_RUN:
        return
    if line.startswith("export "):
        key, _, value = line[len("export ") :].split("#")[0].strip().partition("=")
        env[key] = value.strip().strip("'\"")
        return
    words = shlex.split(line, comments=True)
    assert words and words[0] == "jury", f"{doc}: '{line}' is neither a jury command nor in NOT_RUN"
    args = [str(p) for w in words[1:] for p in (sorted(folder.glob(w)) if any(c in w for c in "*?[") else [w])]
    if args[0] == "label" and "--import" not in args and "--tty" not in args:
        _label_page(args, folder, env)
        return
    done = subprocess.run(_jury(args), cwd=folder, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{doc}: {line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stdout + done.stderr


def test_every_command_runs_and_every_file_validates(sandbox):
    folder, files = sandbox
    fake = FAKE.FakeOpenAI(polls_to_complete=1, record=True)
    with serve_in_thread(fake.app()) as url:
        env = _env(folder, url)
        env.update(OPENAI_API_KEY="sk-docs-test", OPENROUTER_API_KEY="sk-or-docs-test")
        for name in files:
            if name.endswith((".yaml", ".yml")) and Path(name).name != "board.yaml":
                _run_line(f"jury validate {name}", "(file)", folder, env, url)
        for b in ALL:
            if b.lang == "bash":
                for line in _logical_lines(b.text):
                    _run_line(line, f"{b.doc}:{b.line}", folder, env, url)
    assert fake.chat_bodies or fake.batches  # the remote examples reached the loopback server
