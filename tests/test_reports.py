"""Report files of a scripted run: what they contain, that hostile text stays text, and that
`jury report` / `jury compare` work from the stored record without any model call."""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError

from .conftest import Scripted
from .helpers import ROWS, read_run, write_panel, write_task
from .report_fixtures import ANSWERS, HOSTILE, invoke, setup_scripts, total_calls

LEGACY = Path(__file__).parent / "data" / "legacy_runs"


@pytest.fixture()
def run_dir(workdir, scripts):
    task, panel = setup_scripts(workdir, scripts)
    result = invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel))
    assert result.exit_code == 0, result.output
    (folder,) = (workdir / "reports").iterdir()
    return folder


# what docs/files.md promises a run folder holds (human_labels.jsonl only once someone labels the run)
RUN_FILES = ("run.json", "judgments.jsonl", "report.md", "report.html", "items.csv", "judges.csv",
             "candidate_answers.jsonl", "baseline_answers.jsonl")  # fmt: skip


def test_every_report_file_is_written_and_the_run_log_is_one_versioned_record(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(RUN_FILES)
    documented = (Path(__file__).parents[1] / "docs" / "files.md").read_text().split("## What a run writes")[1]
    assert all(f"`{name}`" in documented.split("\n## ")[0] for name in RUN_FILES)
    # each side's answers as an outputs file, in the task's order: the scripted candidate's and the task's baseline
    for name, expected, generator in (
        ("candidate_answers.jsonl", [ANSWERS[r["instruction"]] for r in ROWS], "scripted/cand"),
        ("baseline_answers.jsonl", [r["baseline"] for r in ROWS], "base"),
    ):
        rows = [json.loads(line) for line in (run_dir / name).read_text().splitlines()]
        assert rows == [{"id": r["id"], "instruction": r["instruction"], "output": x, "generator": generator}
                        for r, x in zip(ROWS, expected, strict=True)], name  # fmt: skip
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["version"], record["status"], record["stop_reason"]) == (3, "complete", None)
    assert {"spec", "items", "outputs", "baseline", "judgments", "results"} <= record.keys()
    assert len(record["judgments"]) == 4 * (1 + 2 + 2)  # 4 items: one probe judgment, two orders x two pairwise
    assert record["results"]["result"]["n_judged"] == 4


def test_html_has_plots_and_escapes_candidate_text(run_dir):
    page = (run_dir / "report.html").read_text()
    plots = set(re.findall(r'data-plot="([^"]+)"', page))
    assert plots == {
        "win-rate", "judge-win-rate", "kappa-heatmap", "position-bias", "position-first", "length-bias", "cost",
    }  # fmt: skip
    assert "<script" not in page.lower()  # not even ours: the page runs no script at all
    assert "&lt;script&gt;document.title=" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    assert "https://" not in page


def test_markdown_table_rows_keep_their_columns_despite_pipes_and_newlines(run_dir):
    md = (run_dir / "report.md").read_text()
    header = next(line for line in md.splitlines() if line.startswith("| item | panel |"))
    q3 = next(line for line in md.splitlines() if line.startswith("| q3 |"))
    unescaped_pipes = len(re.findall(r"(?<!\\)\|", q3))
    assert unescaped_pipes == header.count("|")
    assert not any(line.startswith("second line") for line in md.splitlines())  # the newline stayed in its row
    assert "&lt;script&gt;" in q3
    assert "<script>" not in md


def test_csv_tables_hold_one_row_per_item_and_per_judge(run_dir):
    items = list(csv.DictReader(io.StringIO((run_dir / "items.csv").read_text())))
    assert [r["item_id"] for r in items] == ["q1", "q2", "q3", "q4"]
    # the "longer" judge prefers the longer answer: q3's candidate answer is much longer than "Down."
    q3 = next(r for r in items if r["item_id"] == "q3")
    assert q3["longer"] == "candidate" and int(q3["candidate_chars"]) == len(HOSTILE)
    judges = {r["judge"]: r for r in csv.DictReader(io.StringIO((run_dir / "judges.csv").read_text()))}
    assert set(judges) == {"oracle", "longer", "always-a"}
    assert float(judges["always-a"]["position_consistency"]) == 0.0
    assert judges["oracle"]["position_consistency"] == ""  # pointwise: not applicable, not zero
    results = read_run(run_dir)
    assert float(judges["oracle"]["win_rate"]) == pytest.approx(
        next(j["own_win_rate"] for j in results["judges"] if j["judge"] == "oracle")
    )


def test_results_json_carries_kappa_per_pair_and_cost_per_judge(run_dir):
    data = read_run(run_dir)
    pairs = {(k["judge_a"], k["judge_b"]): k for k in data["judge_kappa"]}
    assert set(pairs) == {("oracle", "longer"), ("oracle", "always-a"), ("longer", "always-a")}
    assert all(p["n"] == 4 for p in pairs.values())
    # prompt tokens of the scripted provider are the prompt's word count: every judge made some calls
    assert all(c["prompt_tokens"] > 0 for c in data["cost_by_judge"].values())


def test_report_command_rerenders_from_the_record_with_zero_model_calls(run_dir, scripts):
    before = total_calls(scripts)
    for s in scripts.values():
        s.fail_with = RuntimeError("no model may be called while re-rendering")
    original = {n: (run_dir / n).read_text() for n in ("report.md", "items.csv", "judges.csv", "report.html")}
    for name in original:
        (run_dir / name).unlink()
    result = invoke("report", str(run_dir))
    assert result.exit_code == 0, result.output
    assert total_calls(scripts) == before
    for name, text in original.items():
        assert (run_dir / name).read_text() == text, name
    assert "win rate 62.5%" in result.output


def test_a_single_turn_run_recorded_before_per_turn_judging_still_rerenders(tmp_path):
    """Record version 1 had no per-turn fields; its single-turn runs re-render to the same report."""
    reference = tmp_path / "v2"
    shutil.copytree(LEGACY / "v2_single_turn", reference)
    assert invoke("report", str(reference)).exit_code == 0  # today's rendering of the version 2 record
    run_dir = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_single_turn", run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    record["record_version"] = 1
    del record["baseline_turns"]
    for i in record["task"]["items"]:
        del i["references"]
    for o in record["outputs"]:
        del o["turns"]
    (run_dir / "run.json").write_text(json.dumps(record))
    assert invoke("report", str(run_dir)).exit_code == 0
    for name in ("report.md", "items.csv", "report.html"):
        assert (run_dir / name).read_text() == (reference / name).read_text(), name


def test_report_command_names_a_missing_run(workdir):
    with pytest.raises(JuryError, match="no run record"):
        invoke("report", "does-not-exist")


def test_compare_passes_on_an_equal_run_and_fails_on_a_significant_regression(workdir, scripts):
    rows = [
        {"id": f"q{k}", "instruction": f"Question {k}?", "reference": f"ans{k}", "baseline": "x"} for k in range(12)
    ]
    _, panel = setup_scripts(workdir, scripts, answers={r["instruction"]: r["reference"] for r in rows})
    task = write_task(workdir / "tasks", rows)  # 12 items: the 4-item task is too small to be significant
    scripts["worse"] = Scripted(reply=lambda p: "wrong")
    common = ("--task", str(task), "--panel", str(panel))
    assert invoke("run", "--candidate", "scripted/cand", *common).exit_code == 0
    (run_a,) = (workdir / "reports").iterdir()
    assert invoke("run", "--candidate", "scripted/worse", *common).exit_code == 0
    (run_b,) = (p for p in (workdir / "reports").iterdir() if p != run_a)

    def gate(*args: str):
        return CliRunner().invoke(cli.app, ["compare", *args])

    same = gate(str(run_a), str(run_a))
    assert same.exit_code == 0 and "OK" in same.output
    assert gate(str(run_b), str(run_a)).exit_code == 0  # B better than A never fails the gate
    worse = gate(str(run_a), str(run_b), "--alpha", "0.01")
    assert worse.exit_code == 1, worse.output
    assert "significantly worse" in worse.output and "paired on 12 shared items" in worse.output


def test_terminal_prints_kappa_and_cost_tables_and_markup_in_names_stays_text(workdir, scripts):
    task, panel = setup_scripts(workdir, scripts)
    outputs = workdir / "outs.jsonl"
    outputs.write_text("".join(json.dumps({"id": f"q{k}", "output": "x"}) + "\n" for k in range(1, 5)))
    result = invoke("run", "--task", str(task), "--candidate-outputs", str(outputs), "--candidate-name",
                    "[red]not-markup[/red]", "--panel", str(panel))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "[red]not-markup[/red] vs base" in result.output
    assert "Cohen's kappa between judges" in result.output and "cost per judge" in result.output
    cost_rows = [line for line in result.output.splitlines() if "oracle" in line and "$0.0000" in line]
    assert len(cost_rows) == 1


def test_secrets_in_the_environment_or_an_api_base_never_reach_report_files(workdir, scripts, monkeypatch):
    secret = "sk-test-very-secret-value-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    task, panel = setup_scripts(workdir, scripts)
    text = panel.read_text().replace(
        "    prompt: probe.txt\n", f"    prompt: probe.txt\n    api_base: http://me:{secret}@judge.local/v1\n", 1
    )
    panel.write_text(text)
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel)).exit_code == 0
    (folder,) = (workdir / "reports").iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert any(j["api_base"] and "judge.local" in j["api_base"] for j in record["spec"]["panel"]["judges"])
    for path in folder.iterdir():
        assert secret not in path.read_text(), path.name


def test_bias_figures_and_self_preference_render_from_the_run(run_dir):
    from dataclasses import replace

    from jury.report.html import render_html
    from jury.results.runlog import load_run
    from jury.stats.bias import SelfPreference

    result = load_run(run_dir)
    page = render_html(result)
    first = re.search(r'data-plot="position-first".*?</svg>', page, re.S).group(0)
    # the pairwise judge 'always-a' always prefers the answer shown first: 100%
    assert "always-a" in first and "100.0%" in first
    assert 'data-plot="length-bias"' in page and "warning" not in page
    flagged = replace(result.bias, candidate_family="scripted",
                      self_preference=(SelfPreference("oracle", "scripted", 0.8, 0.5, 0.3),))  # fmt: skip
    warned = render_html(replace(result, bias=flagged))
    assert "Judge oracle is of the candidate" in warned and "80.0%" in warned


def test_report_and_compare_accept_a_run_id_and_refuse_runs_of_different_baselines(run_dir, workdir, scripts):
    assert invoke("report", run_dir.name, "--reports-dir", str(workdir / "reports")).exit_code == 0
    base = workdir / "other-base.jsonl"
    base.write_text("".join(json.dumps({"id": f"q{k}", "output": "x"}) + "\n" for k in range(1, 5)))
    task, panel = workdir / "tasks" / "mini.yaml", workdir / "panels" / "test.yaml"
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel),
                  "--baseline-outputs", str(base)).exit_code == 0  # fmt: skip
    (other,) = (p for p in (workdir / "reports").iterdir() if p != run_dir)
    with pytest.raises(JuryError, match=r"not comparable: different baselines \('base' and 'other-base'\)"):
        invoke("compare", run_dir.name, other.name)


def test_compare_refuses_runs_judged_by_different_panels_or_baseline_texts_unless_allowed(run_dir, workdir, scripts):
    task, panel = workdir / "tasks" / "mini.yaml", workdir / "panels" / "test.yaml"
    reweighted = workdir / "panels" / "reweighted.yaml"
    reweighted.write_text(panel.read_text().replace("name: test", "name: reweighted").replace(
        "  rule: majority", "  rule: weighted"))  # fmt: skip
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(reweighted)).exit_code == 0
    (other,) = (p for p in (workdir / "reports").iterdir() if p != run_dir)
    with pytest.raises(JuryError, match=r"not comparable: different panel rule: 'test' vs 'reweighted'") as info:
        invoke("compare", str(run_dir), str(other))
    assert "--allow-different-panels" in (info.value.fix or "")
    allowed = CliRunner().invoke(cli.app, ["compare", str(run_dir), str(other), "--allow-different-panels"])
    assert allowed.exit_code == 0 and "warning: different panel rule" in allowed.output

    # the same baseline name over different answers is not the same baseline
    same_name = workdir / "base.jsonl"
    same_name.write_text("".join(json.dumps({"id": f"q{k}", "output": f"other {k}"}) + "\n" for k in range(1, 5)))
    assert invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel),
                  "--baseline-outputs", str(same_name)).exit_code == 0  # fmt: skip
    (third,) = (p for p in (workdir / "reports").iterdir() if p not in (run_dir, other))
    with pytest.raises(JuryError, match=r"different baseline answers on 4 shared item\(s\)"):
        invoke("compare", str(run_dir), str(third))


def test_compare_prints_the_level_it_tests_at(workdir, run_dir):
    out = CliRunner().invoke(cli.app, ["compare", str(run_dir), str(run_dir), "--alpha", "0.025"]).output
    assert "one-sided 97.5% upper bound" in " ".join(out.split())


def test_a_pairwise_judge_with_no_parsed_reply_is_not_reported_as_order_independent(workdir, scripts, monkeypatch):
    console = importlib.import_module("jury.cli.run").stdout  # the module, not the `run` command it defines
    monkeypatch.setattr(console, "width", 200)  # one line per table row
    task, _ = setup_scripts(workdir, scripts)
    scripts["mumbles"] = Scripted(reply=lambda p: "I cannot decide.")  # never a [[A]]/[[B]]/[[C]] verdict
    panel = write_panel(
        workdir / "panels",
        [
            {"name": "oracle", "model": "scripted/oracle", "strategy": "pointwise_probe"},
            {"name": "mumbles", "model": "scripted/mumbles", "strategy": "pairwise"},
        ],
        name="unparsed",
    )
    result = invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel))
    assert result.exit_code == 0, result.output
    (folder,) = (workdir / "reports").iterdir()
    row = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") == 6}
    assert "n/a (no parsed pair)" in row["mumbles"] and "order-independent" not in row["mumbles"]
    assert "n/a (order-independent)" in row["oracle"]
    md = (folder / "report.md").read_text()
    # 4 items x 2 orders, every one an abstention
    assert "| mumbles | scripted/mumbles | pairwise | n/a (nothing judged) | n/a | n/a (no parsed pair) | 8 |" in md
    oracle_row = md.split("| oracle | scripted/oracle |")[1].split("\n")[0]
    assert oracle_row.endswith("| n/a (order-independent strategy) | 0 |")
    html = (folder / "report.html").read_text()
    assert "<td>mumbles</td><td>scripted/mumbles</td><td>pairwise</td>" in html
    assert html.split("<td>mumbles</td>")[1].split("</tr>")[0].count("n/a (no parsed pair)") == 1
    assert "n/a (order-independent)" in html.split("<td>oracle</td>")[1].split("</tr>")[0]
