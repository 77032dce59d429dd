"""The run log: one versioned record per run (run.json), written for finished, budget-stopped and
interrupted runs alike, read back without a store, and still readable from older run folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jury import cli
from jury.errors import JuryError
from jury.models.budget import _rates
from jury.results.record import RunRecord
from jury.results.runlog import load_run, read_record, record_bytes

from .conftest import Scripted
from .helpers import read_run
from .report_fixtures import setup_scripts

LEGACY = Path(__file__).parent / "data" / "legacy_runs"


def _invoke(*args: str):
    return CliRunner().invoke(cli.app, list(args))


def test_a_version_2_folder_loads_with_the_numbers_it_reported(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_single_turn", folder)
    old = json.loads((folder / "results.json").read_text())  # what that version of jury reported
    result = load_run(folder)
    assert result.status == "complete" and result.record.version == 3
    w = result.stats.win_rate  # (its CI is today's: intervals have changed since that version)
    assert (w.value, w.wins, w.ties, w.losses) == (
        pytest.approx(old["result"]["win_rate"]), old["result"]["n_wins"], old["result"]["n_ties"],
        old["result"]["n_losses"],
    )  # fmt: skip
    own = {j.judge: j.win_rate.value for j in result.stats.judges}
    assert own == pytest.approx({j["judge"]: j["own_win_rate"] for j in old["judges"]})
    assert len(result.judgments) == len((folder / "judgments.jsonl").read_text().splitlines())
    assert {j.unit_id for j in result.judgments} == {"q1", "q2", "q3", "q4"}  # item_id in version 2 rows


def test_a_version_2_two_turn_folder_keeps_its_per_turn_figures(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_two_turn", folder)
    old = json.loads((folder / "results.json").read_text())
    result = load_run(folder)
    assert {t: w.value for t, w in result.stats.per_turn.items()} == pytest.approx(
        {row["turn"]: row["win_rate"] for row in old["per_turn"]}
    )
    assert result.stats.win_rate.value == pytest.approx(old["result"]["win_rate"])


def test_report_rewrites_an_old_folder_as_one_current_record_that_renders_the_same(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_single_turn", folder)
    old_win_rate = json.loads((folder / "results.json").read_text())["result"]["win_rate"]
    assert _invoke("report", str(folder)).exit_code == 0
    before = {n: (folder / n).read_text() for n in ("report.md", "report.html", "items.csv", "judges.csv", "run.json")}
    assert _invoke("report", str(folder)).exit_code == 0  # from the version 3 record it wrote
    assert {n: (folder / n).read_text() for n in before} == before
    assert not (folder / "results.json").exists()  # its numbers now live in run.json
    record = json.loads((folder / "run.json").read_text())
    assert record["version"] == 3 and record["results"]["result"]["win_rate"] == pytest.approx(old_win_rate)


def test_the_record_round_trips_through_json_exactly(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_two_turn", folder)
    record = read_record(folder)
    (folder / "run.json").write_bytes(record_bytes(record))
    again = read_record(folder)
    assert isinstance(again, RunRecord) and again == record
    assert record_bytes(again) == record_bytes(record)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: r.pop("spec"), r"field 'spec': Field required"),
        (lambda r: r["judgments"][0].pop("judge"), r"field 'judgments\.0\.judge': Field required"),
        (lambda r: r.update(status="finished"), r"field 'status': Input should be 'complete'"),
        (lambda r: r.update(version=99), r"unknown run record version 99"),
        # keys whose absence the schema cannot see: a KeyError deep in the aggregation before
        (lambda r: r["judgments"][0]["scores"].pop("candidate"), r"judgments\[0\]\.scores: missing key 'candidate'"),
        (lambda r: r["outputs"].pop(0), r"judgments\[0\] is of unit 'q1', but item 'q1' has no entry in outputs"),
        (lambda r: r["baseline"].pop(1), r"judgments\[5\] is of unit 'q2', but item 'q2' has no entry in baseline"),
        (lambda r: r["items"].pop(0), r"item 'q1' has no entry in items"),
    ],
)
def test_a_damaged_record_is_one_line_naming_the_field(tmp_path, damage, message):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_single_turn", folder)
    (folder / "run.json").write_bytes(record_bytes(read_record(folder)))
    data = json.loads((folder / "run.json").read_text())
    damage(data)
    (folder / "run.json").write_text(json.dumps(data))
    with pytest.raises(JuryError, match=message) as info:
        load_run(folder)
    assert "\n" not in info.value.one_line() and "run.json" in info.value.one_line()


@pytest.mark.parametrize("key", ["outputs", "task", "usage"])
def test_an_old_record_with_a_missing_key_is_one_line_naming_it(tmp_path, key):
    folder = tmp_path / "run"
    shutil.copytree(LEGACY / "v2_single_turn", folder)
    data = json.loads((folder / "run.json").read_text())
    del data[key]
    (folder / "run.json").write_text(json.dumps(data))
    result = _invoke("report", str(folder))
    assert isinstance(result.exception, JuryError), result.exception
    assert result.exception.one_line() == f"{folder / 'run.json'}: the run record is damaged: missing key '{key}'"


def test_a_run_stopped_by_max_cost_writes_its_partial_record_and_exits_1(workdir, scripts):
    import litellm

    task, panel = setup_scripts(workdir, scripts)
    price = {"input_cost_per_token": 0.01, "output_cost_per_token": 0.01, "litellm_provider": "scripted",
             "mode": "chat"}  # fmt: skip
    litellm.register_model({"scripted/always-a": price})
    _rates.cache_clear()  # an earlier test may have found this model unpriced
    try:
        # one call of the judge costs ~$0.24 and reserves ~$5.4 at worst (512 max tokens): three fit in $6
        result = _invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel),
                         "--max-cost", "6", "--concurrency", "1")  # fmt: skip
    finally:
        litellm.model_cost.pop("scripted/always-a", None)
        _rates.cache_clear()
    # the CLI's main() prints this JuryError as one line and exits 1 (tests/test_cli_errors.py)
    assert isinstance(result.exception, JuryError), result.output
    message = result.exception.one_line()
    assert message.startswith("stopped while judging:") and "partial report is written" in message
    (folder,) = (workdir / "reports").iterdir()
    data = read_run(folder)
    assert data["status"] == "stopped_budget" and "--max-cost $6.0000" in data["record"]["stop_reason"]
    judged = {j["unit_id"] for j in data["record"]["judgments"]}
    assert judged and data["n_units_not_judged"] == 4 - len(judged)
    # every judgment kept is whole: the pairwise judge is kept on a unit only with both of its orders
    orders = [j for j in data["record"]["judgments"] if j["judge"] == "always-a"]
    assert len(orders) % 2 == 0
    assert "partial run (stopped_budget)" in (folder / "report.md").read_text()
    rerendered = _invoke("report", str(folder))
    assert rerendered.exit_code == 0 and "partial run (stopped_budget)" in " ".join(rerendered.output.split())


def test_an_interrupted_run_writes_its_partial_record_and_exits_130(workdir, scripts):
    task, panel = setup_scripts(workdir, scripts)
    answered = []

    def ctrl_c_after_two(prompt: str) -> str:
        if len(answered) == 2:
            raise KeyboardInterrupt
        answered.append(prompt)
        return "[[A]]"

    scripts["always-a"] = Scripted(reply=ctrl_c_after_two)
    result = _invoke("run", "--task", str(task), "--candidate", "scripted/cand", "--panel", str(panel),
                     "--concurrency", "1")  # fmt: skip
    assert result.exit_code == 130 and "partial report is written" in " ".join(result.stderr.split())
    (folder,) = (workdir / "reports").iterdir()
    data = read_run(folder)
    assert data["status"] == "interrupted"
    assert len([j for j in data["record"]["judgments"] if j["judge"] == "always-a"]) in (0, 2)
    assert {j["judge"] for j in data["record"]["judgments"]} >= {"oracle", "longer"}


def test_latest_names_the_newest_run(tmp_path):
    from jury.results.runlog import resolve_run_dir

    reports = tmp_path / "reports"
    for run_id in ("20261201-120000-a-1", "20261202-080000-a-1", "20261130-235959-a-1"):
        shutil.copytree(LEGACY / "v2_single_turn", reports / run_id)
    assert resolve_run_dir("latest", reports).name == "20261202-080000-a-1"
    assert resolve_run_dir(str(reports / "latest")).name == "20261202-080000-a-1"  # DIR/latest
    with pytest.raises(JuryError, match="no run yet"):
        resolve_run_dir("latest", tmp_path / "empty")


def test_the_documented_schema_is_the_records_schema():
    """docs/run-log.md names every field of the run log, and no field the record does not have."""
    import re

    from pydantic import TypeAdapter

    schema = TypeAdapter(RunRecord).json_schema()
    fields = set(schema["properties"]) | {f for d in schema["$defs"].values() for f in d.get("properties", {})}
    doc = (Path(__file__).resolve().parents[1] / "docs" / "run-log.md").read_text()
    named = set(re.findall(r"`([a-z_]+)`", doc))
    assert fields - named == set()
    record_like = named - fields - {"complete", "stopped_budget", "interrupted", "candidate_first", "baseline_first",
                                    "pointwise", "candidate", "baseline", "tie", "results"}  # fmt: skip
    results_keys = {"n_units", "n_units_not_judged", "mode_means", "rule_means", "result", "win_rate", "ci_low",
                    "ci_high", "confidence", "n_judged", "n_wins", "n_ties", "n_losses", "n_abstained", "per_turn",
                    "judges", "position_consistency", "agreement_with_panel", "abstentions", "abstain_reasons",
                    "judge_agreement", "unanimous", "judge_kappa", "cost_by_judge", "human_anchored", "estimate",
                    "humans_only", "labels_worth", "lambda", "design", "agreement_with_humans", "bias",
                    "panel_votes", "max_cost", "limit", "allow_partial", "exclude_same_family", "baseline",
                    "n_identical", "n_empty_answers", "identical"}  # fmt: skip
    assert record_like - results_keys == set()
