"""Rank correlations by hand and on published MT-Bench vs Arena figures; GPT-4 vs human agreement on MT-Bench.

Both files travel with the repository in tests/data/mt_bench (the human votes without the texts);
tests/test_data_excerpts.py checks them against the full set."""

from __future__ import annotations

import pandas as pd
import pytest

from jury.stats.judges import label_agreement
from jury.stats.ranking import kendall_tau_scores, spearman_rho_scores
from tests.conftest import EXCERPTS

MT_BENCH = EXCERPTS / "mt_bench"


def test_rank_correlations_by_hand():
    scores = {"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0, "only_here": 0.0}
    reference = {"a": 10, "b": 30, "c": 20, "d": 5}
    # by hand over a..d: pairs (6): one discordant (a,b); one (b,c) discordant -> tau = (4 - 2) / 6
    tau = kendall_tau_scores(scores, reference)
    assert (tau.value, tau.n) == (pytest.approx(2 / 6), 4)
    # ranks a..d: 4,3,2,1 vs 2,4,3,1 -> d^2 = 4+1+1+0 = 6; rho = 1 - 6*6 / (4*15)
    assert spearman_rho_scores(scores, reference).value == pytest.approx(1 - 36 / 60)


def test_mt_bench_score_ranks_agree_with_the_arena():
    board = pd.read_csv(MT_BENCH / "published_mt_bench_scores_2023-06-22.csv").dropna(
        subset=["mt_bench_score", "arena_elo_2023_06_19"]
    )
    scores = dict(zip(board["leaderboard_name"], board["mt_bench_score"], strict=True))
    elo = dict(zip(board["leaderboard_name"], board["arena_elo_2023_06_19"], strict=True))
    from scipy.stats import kendalltau

    tau = kendall_tau_scores(scores, elo)
    assert tau.n == len(board)
    assert tau.value == pytest.approx(kendalltau(board["mt_bench_score"], board["arena_elo_2023_06_19"]).statistic)
    assert tau.value > 0.5 and tau.p_value < 0.01  # MT-Bench was published as tracking the Arena


@pytest.fixture(scope="module")
def mt_bench_votes():
    votes = pd.read_json(MT_BENCH / "mt_bench_human_partial.jsonl.gz", lines=True)
    # boundary, FastChat's counting: an inconsistent GPT-4 verdict (different in the two orders) is a tie
    votes["gpt4"] = votes["gpt4_pair_winner"].replace({"tie (inconsistent)": "tie"})
    return votes


def test_gpt4_agrees_with_humans_as_published(mt_bench_votes):
    # FastChat's compute_agreement names expert votes "human" and keeps the paper authors' votes apart
    experts = mt_bench_votes[mt_bench_votes["judge"].str.startswith("expert")]
    turn1 = experts[experts["turn"] == 1]
    with_ties = label_agreement(list(turn1["gpt4"]), list(turn1["human_winner"]))
    without = label_agreement(list(turn1["gpt4"]), list(turn1["human_winner"]), tie="tie")
    # README of the shared data: 66.6 % / 84.0 % on this partial set (paper, full set: 66 % / 85 %)
    assert with_ties.value * 100 == pytest.approx(66.6, abs=0.05)  # 465 / 698
    assert without.value * 100 == pytest.approx(84.0, abs=0.05)
    assert with_ties.n == len(turn1) and without.n < with_ties.n
    assert (round(with_ties.value * with_ties.n), with_ties.n) == (465, 698)
    assert (round(without.value * without.n), without.n) == (373, 444)  # 698 less the votes where either says tie
