"""report.html and leaderboard.html in a real headless Chromium: the plots and tables are in the
rendered DOM, and a <script> planted in a candidate's output or a model name did not run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .report_fixtures import invoke, setup_scripts
from .test_leaderboard import BAD, GOOD, make_board, outputs_file

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="Chromium is not installed: apt-get install -y chromium (make test does this)"
)
SCRIPT_NAME = "<script>document.title='pwned'</script>"


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after load, scripts (if any ran) included; the timeout only guards against a hang."""
    args = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_pages_render_plots_and_tables_and_planted_scripts_do_not_run(workdir, scripts, tmp_path):
    # control: the browser does run a plain page's script, so a quiet result below means something
    control = tmp_path / "control.html"
    control.write_text("<html><head><title>t</title></head><body><script>document.title='pwned'</script></body></html>")
    assert "<title>pwned</title>" in dump_dom(control, tmp_path / "p0")

    task, panel = setup_scripts(workdir, scripts)
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel)).exit_code == 0
    (run_dir,) = (workdir / "reports").iterdir()
    dom = dump_dom(run_dir / "report.html", tmp_path / "p1")
    assert "<title>jury report: scripted/cand vs base</title>" in dom
    assert dom.count("<svg") == 7 and 'data-plot="kappa-heatmap"' in dom and 'data-plot="length-bias"' in dom
    assert dom.count("<table") == 4 and ">q3</td>" in dom
    assert "pwned" in dom  # the planted text is on the page, as text
    assert 'id="pwned"' not in dom and "<p id=pwned" not in dom

    board = make_board(workdir, scripts)
    invoke("leaderboard", "submit", "--board", str(board), "--outputs", str(outputs_file(workdir / "g.jsonl", GOOD)),
           "--model", "good")  # fmt: skip
    invoke("leaderboard", "submit", "--board", str(board), "--outputs", str(outputs_file(workdir / "b.jsonl", BAD)),
           "--model", SCRIPT_NAME)  # fmt: skip
    dom = dump_dom(board / "leaderboard.html", tmp_path / "p2")
    assert "<title>Leaderboard: mini-board</title>" in dom
    assert 'data-plot="win-rate"' in dom and dom.count("<tr>") == 3  # header + two models
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
