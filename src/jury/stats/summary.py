"""All the numbers a run reports, computed once from votes; reports only render them.

A multi-turn run has one vote per turn: its win rates are over every turn's verdict, with CIs
that treat a conversation's turns as one cluster (they are not independent), and `per_turn` breaks
the panel's win rate down by turn. Single-turn runs have no clusters and no `per_turn`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from jury.records import JudgeVote, Judgment, Vote
from jury.stats.agreement import (
    Agreement,
    Consistency,
    agreement_with_panel,
    judge_pair_agreement,
    position_consistency,
)
from jury.stats.agreement_report import AgreementReport, agreement_report
from jury.stats.winrate import WinRate, win_rate_with_ci


@dataclass(frozen=True)
class JudgeStats:
    judge: str
    win_rate: WinRate
    position_consistency: Consistency
    agreement_with_panel: Agreement
    abstentions: int
    abstain_reasons: dict[str, int]


@dataclass(frozen=True)
class RunStats:
    win_rate: WinRate
    judges: tuple[JudgeStats, ...]
    pair_agreement: dict[tuple[str, str], Agreement]
    unanimous: Agreement  # share of items where every voting judge gave the same verdict
    # chance-corrected agreement (Cohen per pair, Fleiss, Krippendorff); None with fewer than two judges
    agreement: AgreementReport | None = None
    # multi-turn runs: turn number -> the panel's win rate on that turn alone; empty for single-turn runs
    per_turn: dict[int, WinRate] = field(default_factory=dict)

    @property
    def units(self) -> str:
        """What agreement counts are counts of: items, or turns when each turn got its own verdict."""
        return "turns" if self.per_turn else "items"


def _unanimity(votes: Sequence[Vote]) -> Agreement:
    rated = [v for v in votes if sum(p is not None for p in v.per_judge.values()) >= 2]
    if not rated:
        return Agreement(float("nan"), 0)
    same = sum(len({p for p in v.per_judge.values() if p is not None}) == 1 for v in rated)
    return Agreement(same / len(rated), len(rated))


def summarize(
    votes: Sequence[Vote],
    judge_votes: Sequence[JudgeVote],
    judgments: Sequence[Judgment],
    judges: Sequence[str],
    *,
    seed: int = 0,
    items: Mapping[str, str] | None = None,
    turns: Mapping[str, int] | None = None,
) -> RunStats:
    """`items` maps each vote's id to its item (the cluster its turns share) and `turns` to its turn
    number; both are needed only for multi-turn runs."""
    clusters = [items[v.unit_id] for v in votes] if items and len(set(items.values())) < len(items) else None
    consistency = position_consistency(judge_votes)
    per_judge = []
    for judge in judges:
        mine = [j for j in judgments if j.judge == judge and j.preference is None]
        reasons: dict[str, int] = {}
        for j in mine:
            reasons[j.abstain_reason or "unknown"] = reasons.get(j.abstain_reason or "unknown", 0) + 1
        per_judge.append(
            JudgeStats(
                judge=judge,
                win_rate=win_rate_with_ci([v.per_judge[judge] for v in votes], clusters=clusters),
                position_consistency=consistency.get(judge, Consistency(None, 0)),
                agreement_with_panel=agreement_with_panel(votes, judge),
                abstentions=len(mine),
                abstain_reasons=reasons,
            )
        )
    return RunStats(
        win_rate=win_rate_with_ci([v.outcome for v in votes], clusters=clusters),
        judges=tuple(per_judge),
        pair_agreement=judge_pair_agreement(votes, judges),
        unanimous=_unanimity(votes),
        agreement=_agreement(votes, judges, seed, clusters) if len(judges) >= 2 and votes else None,
        per_turn=_per_turn(votes, turns or {}),
    )


def _per_turn(votes: Sequence[Vote], turns: Mapping[str, int]) -> dict[int, WinRate]:
    """Each item has at most one vote per turn, so within a turn the verdicts are independent."""
    numbers = sorted({turns.get(v.unit_id, 1) for v in votes})
    if not numbers or numbers[-1] == 1:
        return {}
    return {n: win_rate_with_ci([v.outcome for v in votes if turns.get(v.unit_id, 1) == n]) for n in numbers}


def _agreement(
    votes: Sequence[Vote], judges: Sequence[str], seed: int, clusters: Sequence[str] | None
) -> AgreementReport:
    """Verdicts as plain strings ("candidate" / "tie" / "baseline"), so the ordinal scale is known."""
    table = pd.DataFrame(
        [[None if v.per_judge[j] is None else v.per_judge[j].value for j in judges] for v in votes],
        index=[v.unit_id for v in votes],
        columns=list(judges),
        dtype=object,
    )
    return agreement_report(table, seed=seed, clusters=clusters)
