"""Judging strategies: which requests a judge makes for a unit, and how replies become Judgments.

Each strategy is one class (base.Strategy) in the registry (registry.py); `judge_calls` and
`judgments_for` dispatch a judge to its strategy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jury.models.request import ModelReply
from jury.panel.strategies.base import JudgeCall, Strategy, preference_from_difference
from jury.panel.strategies.registry import STRATEGIES, get_strategy
from jury.records import Item, Judgment

if TYPE_CHECKING:
    from jury.panel.spec import JudgeSpec

__all__ = [
    "STRATEGIES",
    "JudgeCall",
    "Strategy",
    "get_strategy",
    "judge_calls",
    "judgments_for",
    "preference_from_difference",
]


def judge_calls(judge: JudgeSpec, unit_id: str, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
    return get_strategy(judge.strategy).calls(judge, unit_id, item, candidate, baseline)


def judgments_for(judge: JudgeSpec, unit_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
    """`replies` maps each JudgeCall.role of this judge and unit to its reply."""
    return get_strategy(judge.strategy).judgments(judge, unit_id, replies)
