"""Immutable records that flow one way: Item -> Output -> Unit -> Judgment -> JudgeVote -> Vote."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Preference(StrEnum):
    """Which of the two compared outputs a judge (or the panel) prefers."""

    CANDIDATE = "candidate"
    BASELINE = "baseline"
    TIE = "tie"

    @property
    def score(self) -> float:
        """The candidate's share of the win: 1, ½ or 0. The one definition of a verdict's score, used
        by win rates, bias diagnostics, pooling and calibration alike (a tie is half a win)."""
        return _SCORE[self]


TIE_SCORE = 0.5
_SCORE = {Preference.CANDIDATE: 1.0, Preference.TIE: TIE_SCORE, Preference.BASELINE: 0.0}


# How the pair was shown to the judge: candidate as answer A, baseline as A,
# or each output alone (pointwise strategies, where order cannot matter).
Order = Literal["candidate_first", "baseline_first", "pointwise"]


@dataclass(frozen=True)
class Item:
    task: str
    item_id: str
    prompt: str
    reference: str | None = None
    baseline: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Multi-turn items (MT-Bench shape): every user turn in order, `prompt` being the first.
    # Empty for single-turn items, so `turns or (prompt,)` is always the conversation.
    turns: tuple[str, ...] = ()
    # One reference per user turn (MT-Bench's `reference` list), `reference` being the first; empty
    # when `reference` serves the whole conversation.
    references: tuple[str, ...] = ()
    # The baseline's answer to every turn of a multi-turn item; `baseline` is their labelled join.
    baseline_turns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False


@dataclass(frozen=True)
class Output:
    item_id: str
    model: str
    text: str  # the answer; for a multi-turn item every turn's answer, labelled (what reports show)
    usage: Usage = field(default_factory=Usage)
    # The answer to every turn of a multi-turn item; empty for single-turn items, like Item.turns.
    turns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """What the panel gives one verdict on: a single-turn item, or one turn of a multi-turn item.

    Judgments and votes carry its `unit_id`; a single-turn item's unit id is its item id, a turn's
    is `<item>#turn<k>`. Each side's answers run up to `turn`: earlier
    ones are the context that side built, the last one is what is judged.
    """

    unit_id: str
    item: Item
    turn: int  # 1-based; 1 for a single-turn item
    candidate: tuple[str, ...]
    baseline: tuple[str, ...]


@dataclass(frozen=True)
class Judgment:
    """One judge, one item, one presentation order.

    `preference` is already mapped back from the presented letters to the
    models; None means the judge abstained, and `abstain_reason` says why.
    """

    unit_id: str
    judge: str
    model: str
    strategy: str
    order: Order
    preference: Preference | None
    scores: dict[str, float] = field(default_factory=dict)
    raw: str = ""
    abstain_reason: str | None = None
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class JudgeVote:
    """A judge's single vote on an item, after combining its presentation orders."""

    unit_id: str
    judge: str
    preference: Preference | None
    # Whether both presentation orders gave the same verdict; None when only one order was shown.
    position_consistent: bool | None = None
    # Strength of preference for the candidate in [0, 1] (½ = even), for score-pooling rules.
    score: float | None = None
    # The same evidence on the log-odds scale (0 = even), for the log-odds pool and calibration.
    log_odds: float | None = None


@dataclass(frozen=True)
class Vote:
    """The panel's verdict on one item."""

    unit_id: str
    outcome: Preference | None
    per_judge: dict[str, Preference | None]
    # Why the panel gave no verdict (e.g. below quorum); None when it gave one or nobody voted.
    abstain_reason: str | None = None
    # The judges the panel asked on this item (pool: the drawn one; escalate: two or three).
    asked: tuple[str, ...] = ()
    # Pooled score in [0, 1] under the average / median rules.
    score: float | None = None
    # The two answers were the same text: a tie given without asking any judge (AlpacaEval's rule for
    # identical outputs), so `asked` is empty and every judge's entry is None.
    identical: bool = False
