"""Strategies come from one registry: outside packages add theirs through the `jury.strategies`
entry-point group (a tiny plugin under tests/plugins is pip-installed here), duplicate names are
refused and a typo gets the nearest name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jury.errors import JuryError
from jury.panel.spec import load_panel
from jury.panel.strategies import registry
from jury.panel.strategies.registry import StrategyRegistry

from .conftest import Scripted
from .helpers import ROWS, read_run, write_task

PLUGIN = Path(__file__).parent / "plugins" / "jury-strategy-echo"
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory) -> Path:
    """pip-installs the plugin into a folder of its own: its module and its dist-info entry points."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
         "--target", str(target), str(PLUGIN)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert any(p.name.endswith(".dist-info") for p in target.iterdir())
    return target


@pytest.fixture()
def plugin_on_path(installed_plugin, monkeypatch):
    """The plugin importable in this process, and a registry that has not looked for plugins yet."""
    monkeypatch.syspath_prepend(str(installed_plugin))
    fresh = registry._default_registry()
    monkeypatch.setattr(registry, "STRATEGIES", fresh)
    return fresh


def _echo_panel(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "echo.txt").write_text("Question: {question}\nAnswer: {answer}\nScore from 0 to 1:")
    path = folder / "echo.yaml"
    path.write_text(
        "name: echo\nmode: jury\naggregation:\n  rule: majority\n  tie_rule: tie\njudges:\n"
        "  - name: echo\n    model: scripted/echo\n    family: scripted\n    strategy: echo_score\n"
        "    prompt: echo.txt\n"
    )
    return path


def test_an_installed_plugin_strategy_is_found_by_the_real_cli(installed_plugin, tmp_path):
    panel = _echo_panel(tmp_path / "panels")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed_plugin), str(SRC)])}
    done = subprocess.run([sys.executable, "-m", "jury", "validate", str(panel)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ok: panel 'echo' (1 judges: echo (scripted/echo, echo_score))" in done.stdout
    # without the plugin installed, the same panel names the strategy it cannot find
    bare_env = {**os.environ, "PYTHONPATH": str(SRC)}
    bare = subprocess.run([sys.executable, "-m", "jury", "validate", str(panel)], capture_output=True, text=True,
                          env=bare_env, cwd=tmp_path, timeout=120, check=False)  # fmt: skip
    assert bare.returncode == 1 and "unknown strategy 'echo_score'" in bare.stderr


def test_a_plugin_strategy_judges_a_run(plugin_on_path, workdir, scripts):
    from .report_fixtures import invoke

    scripts["cand"] = Scripted(reply=lambda p: {r["instruction"]: r["reference"] for r in ROWS}[p])
    # the judge scores an answer 0.9 when it starts with "2" or "Rome", else 0.2
    scripts["echo"] = Scripted(reply=lambda p: "0.9" if p.split("Answer: ")[1].startswith(("2", "Rome")) else "0.2")
    task = write_task(workdir / "tasks", ROWS)
    panel = _echo_panel(workdir / "panels")
    assert load_panel(str(panel)).judges[0].parser == "number"  # the plugin's default parser
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel)).exit_code == 0
    data = read_run(next((workdir / "reports").iterdir()))
    assert {j["strategy"] for j in data["record"]["judgments"]} == {"echo_score"}
    scores = {j["unit_id"]: j["scores"] for j in data["record"]["judgments"]}
    assert scores["q1"] == {"candidate": 0.9, "baseline": 0.2}  # the candidate answered "2", the baseline not
    assert data["result"]["n_judged"] == 4 and len(scripts["echo"].calls) == 8  # two outputs per item


def test_duplicate_strategy_names_are_refused_with_both_origins():
    from jury.panel.strategies.pairwise import Pairwise

    fresh = StrategyRegistry()
    fresh.register(Pairwise)

    class Impostor(Pairwise):
        name = "pairwise"

    with pytest.raises(JuryError, match=r"two strategies are named 'pairwise' \(from jury and plugin 'x'\)"):
        fresh.register(Impostor, "plugin 'x'")


def test_an_unknown_strategy_suggests_the_nearest_name(tmp_path):
    panel = _echo_panel(tmp_path)
    panel.write_text(panel.read_text().replace("echo_score", "pairwyse"))
    with pytest.raises(
        JuryError, match=r"judges\[0\]\.strategy: unknown strategy 'pairwyse' \(did you mean 'pairwise'\?\)"
    ):
        load_panel(str(panel))


def test_every_built_in_strategy_declares_what_a_panel_file_needs():
    for name in ("pairwise", "pointwise_probe", "single", "reference", "likelihood"):
        s = registry.get_strategy(name)
        assert s.name == name and s.parsers and s.fields and isinstance(s.order_independent, bool)
    assert json.dumps(sorted(registry.STRATEGIES.names()))  # plain names, listable in docs and errors
