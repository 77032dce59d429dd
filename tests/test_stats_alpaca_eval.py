"""Reproduce the published AlpacaEval 1.0 and 2.0 leaderboards from their published annotations: five
models per board from the excerpt in tests/data (always), every model from the full sets when present."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jury.stats.pairwise import paired_comparison_scores, win_rate_scores
from tests.conftest import EXCERPTS, SHARED_DATA

SOURCES = {"excerpt": EXCERPTS / "alpaca_eval", "full": SHARED_DATA / "alpaca_eval"}
BOARDS = {
    "ae2": "weighted_alpaca_eval_gpt4_turbo",
    "ae1": "alpaca_eval_gpt4",
}
STALE_UPSTREAM = {("ae1", "Mistral-7B-Instruct-v0.2")}  # published row predates its annotations
CHECKED = {("ae2", "full"): 57, ("ae1", "full"): 52, ("ae2", "excerpt"): 5, ("ae1", "excerpt"): 5}


def _scores(annotations: pd.DataFrame) -> pd.DataFrame:
    """File boundary: AlpacaEval's preference 1 = baseline, 2 = model, 1.5 = draw; NaN is unparsed.

    The older AlpacaEval 1.0 annotations also write a draw as 0: 188 rows over 29 models, and the published
    AE1 board counts exactly those rows as its draws (n_draws, n_total and the rate of all 29 match only
    that way), so 0 is read as 1.5 here. The AE2 file has no 0 and no unparsed row.
    """
    pref = annotations["preference"].replace(0, 1.5)
    parsed = annotations.assign(preference=pref)[pref.between(1, 2)]
    return parsed.assign(score=parsed["preference"] - 1)


@pytest.fixture(scope="module", params=[(b, s) for s in SOURCES for b in sorted(BOARDS)], ids="-".join)
def board(request):
    key, source = request.param
    folder, name = SOURCES[source], BOARDS[key]
    if not (folder / f"annotations_{name}.jsonl.gz").exists():
        pytest.skip(f"the {source} AlpacaEval data is absent")
    annotations = _scores(pd.read_json(folder / f"annotations_{name}.jsonl.gz", lines=True))
    leaderboard = pd.read_csv(folder / f"leaderboard_{name}.csv", index_col=0)
    return request.param, annotations, leaderboard


def test_every_leaderboard_row_is_reproduced_within_1e_6(board):
    (key, source), annotations, leaderboard = board
    checked = 0
    for model, rows in annotations.groupby("generator_2"):
        if model not in leaderboard.index or (key, model) in STALE_UPSTREAM:
            continue
        published = leaderboard.loc[model]
        ours = win_rate_scores(rows["score"].to_numpy())
        assert ours.value * 100 == pytest.approx(published["win_rate"], abs=1e-6), model
        assert ours.standard_error * 100 == pytest.approx(published["standard_error"], abs=1e-6), model
        assert ours.n_wins == published["n_wins"], model
        assert ours.n_draws == published["n_draws"], model
        assert ours.n_losses == published["n_wins_base"], model
        assert ours.n == published["n_total"], model
        assert ours.discrete_value * 100 == pytest.approx(published["discrete_win_rate"], abs=1e-6), model
        checked += 1
    assert checked == CHECKED[key, source]


def test_the_published_rows_of_the_boundary_cases_are_reproduced(board):
    """By hand, from the published CSVs: the AE2 baseline against itself is 805 exact draws (50 %), and
    phi-2's AE1 row counts its 22 draws written as 0 and leaves out its 6 unparsed preferences."""
    (key, _), annotations, _ = board
    model, published = {
        "ae2": ("gpt4_1106_preview", (50.0, 0.0, 0, 805, 0, 805)),
        "ae1": ("phi-2", (30.663329161451813, 1.6056202651534168, 234, 22, 543, 799)),
    }[key]
    ours = win_rate_scores(annotations.loc[annotations["generator_2"] == model, "score"].to_numpy())
    assert ours.value * 100 == pytest.approx(published[0], abs=1e-6)
    assert ours.standard_error * 100 == pytest.approx(published[1], abs=1e-6)
    assert (ours.n_wins, ours.n_draws, ours.n_losses, ours.n) == published[2:]


def test_paired_comparison_agrees_with_an_independent_paired_t_statistic(board):
    _, annotations, _ = board
    wide = annotations.pivot_table(index="instruction_sha1", columns="generator_2", values="score")
    a_name, b_name = sorted(wide.columns)[:2]
    both = wide[[a_name, b_name]].dropna()
    a, b = both[a_name].to_numpy(), both[b_name].to_numpy()
    cmp = paired_comparison_scores(a, b, n_resamples=500)
    d = b - a
    # by hand: t = mean(d) / (sd(d) / sqrt(n))
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    assert cmp.t_statistic == pytest.approx(t, rel=1e-9)
    assert cmp.mean_difference == pytest.approx(d.mean())
    assert cmp.ci_low < cmp.mean_difference < cmp.ci_high
    # a paired CI is narrower than the unpaired one when the two candidates' scores are correlated
    if np.corrcoef(a, b)[0, 1] > 0:
        unpaired_se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert cmp.standard_error < unpaired_se
