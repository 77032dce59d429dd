"""Labels from an annotation tool's export join the run's labels file, and agreement between labellers
is Cohen's kappa (scikit-learn) for a pair, Fleiss' kappa (checked by hand) and Krippendorff's alpha (the
krippendorff package) for three or more."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from jury import cli
from jury.io.human_labels import LABELS_FILE, HumanLabel, load_human_labels, run_identity
from jury.labels.agreement import labeller_agreement
from jury.records import Preference

from .label_fixtures import label_rows, make_run
from .test_label_file import _session

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE


def _import(folder, export, *options):
    result = CliRunner().invoke(cli.app, ["label", str(folder), "--import", str(export), *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_export_with_mapped_relative_and_plain_winners(tmp_path):
    run = make_run(tmp_path / "run", n_single=3, n_two_turn=1)
    export = tmp_path / "export.csv"
    export.write_text(
        "item_id,turn,winner,order,annotator\n"
        "q1,,model_a,,eve\n"  # mapped: model_a is the candidate
        "q2,1,A,baseline_first,eve\n"  # A = the answer shown first = the baseline
        "c1,2,B,baseline_first,eve\n"  # B = shown second = the candidate
        "q3,,Tie,,eve\n"
        "q1,,model_b,,eve\n"  # a later label of the same unit supersedes the earlier
        "q2,,candidate,,finn\n"
    )
    _import(run.report_dir, export, "--winner-map", "model_a=candidate,model_b=baseline")
    rows = label_rows(run.report_dir)
    assert len(rows) == 6 and {(r["strategy"], r["via"], r["draw"]) for r in rows} == {("import", "import", None)}
    labels = load_human_labels(run.report_dir / LABELS_FILE, run_identity(run.run_id, run.units))
    got = {(x.labeller, x.unit_id): (x.winner, x.score, x.stratum) for x in labels.labels}
    assert got == {
        ("eve", "q1"): (B, 0.0, None),
        ("eve", "q2"): (B, 0.0, None),
        ("eve", "c1#turn2"): (C, 1.0, None),
        ("eve", "q3"): (T, 0.5, None),
        ("finn", "q2"): (C, 1.0, None),
    }
    assert {x.strategy for x in labels.labels} == {"import"}  # no plan: the estimator says how it treats them


def test_a_jsonl_export_by_unit_id(tmp_path):
    run = make_run(tmp_path / "run", n_single=1, n_two_turn=1)
    export = tmp_path / "export.jsonl"
    export.write_text('{"unit_id": "c1#turn1", "winner": "baseline"}\n{"unit_id": "q1", "winner": "tie"}\n')
    assert "imported 2 labels" in _import(run.report_dir, export, "--labeller", "gil")
    assert [(r["unit_id"], r["turn"], r["labeller"]) for r in label_rows(run.report_dir)] == [
        ("c1#turn1", 1, "gil"),
        ("q1", 1, "gil"),
    ]


def _labels(table: dict[str, list[Preference | None]]) -> list[HumanLabel]:
    return [
        HumanLabel(f"u{k}", f"i{k}", 1, who, w, "uniform", 0, "", k, 0.25, 1, 1.0)
        for who, winners in table.items()
        for k, w in enumerate(winners)
        if w is not None
    ]


def test_two_labellers_cohens_kappa_on_the_units_both_labelled_as_scikit_learn_computes_it():
    a = [C, C, T, B, B, C, None]
    b = [C, B, T, B, C, C, C]
    result = labeller_agreement(_labels({"ann": a, "bob": b}))
    (pair,) = result.pairs
    both = [(x.value, y.value) for x, y in zip(a, b, strict=True) if x is not None]
    assert (pair.first, pair.second, pair.kappa.n, result.n_units) == ("ann", "bob", 6, 6)
    assert pair.kappa.value == pytest.approx(cohen_kappa_score([x for x, _ in both], [y for _, y in both]))
    assert result.fleiss is None and result.alpha_nominal is None  # two labellers: Cohen's kappa only


def test_three_labellers_fleiss_by_hand_and_krippendorff_from_the_package():
    table = {"a": [C, C, T, B, C], "b": [C, C, T, B, None], "c": [C, B, B, B, None]}
    result = labeller_agreement(_labels(table))
    # over the four units all three labelled: per-unit agreement 1, 1/3, 1/3, 1 (mean 2/3); shares C 5/12,
    # T 2/12, B 5/12 (chance 54/144 = 3/8): kappa = (2/3 - 3/8) / (1 - 3/8) = 7/15
    assert result.fleiss.value == pytest.approx(7 / 15) and result.fleiss.n_items == 4
    codes = {C: 2.0, T: 1.0, B: 0.0}
    data = np.array([[np.nan if w is None else codes[w] for w in table[r][:4]] for r in "abc"])
    assert result.alpha_nominal.value == pytest.approx(krippendorff.alpha(data, level_of_measurement="nominal"))
    assert result.alpha_ordinal.value == pytest.approx(krippendorff.alpha(data, level_of_measurement="ordinal"))
    assert [(p.first, p.second) for p in result.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert result.pairs[0].kappa.value == pytest.approx(1.0) and result.n_units == 4


def test_agreement_of_labels_read_from_the_file(tmp_path):
    run = make_run(tmp_path / "run")
    ann, bob = _session(run, "ann", sample=4), _session(run, "bob", sample=4)
    for key in "1120":
        ann.act(key)
    for key in "1s20":
        bob.act(key)
    labels = load_human_labels(run.report_dir / LABELS_FILE, run_identity(run.run_id, run.units))
    by = {(x.labeller, x.unit_id): x.winner.value for x in labels.labels}
    shared = sorted({u for w, u in by if w == "bob"} & {u for w, u in by if w == "ann"})
    (pair,) = labeller_agreement(labels.labels).pairs
    assert pair.kappa.n == len(shared) == 3
    assert labels.skipped == (("bob", run.units[bob.plan.asked(4)[1].unit].unit_id),)
    reference = cohen_kappa_score([by[("ann", u)] for u in shared], [by[("bob", u)] for u in shared])
    assert pair.kappa.value == pytest.approx(reference) or (np.isnan(pair.kappa.value) and np.isnan(reference))
