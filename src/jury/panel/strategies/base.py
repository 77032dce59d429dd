"""What every judging strategy is: a class declaring the prompt placeholders it fills, the verdict
parsers it can read replies with, and whether the order of presentation can matter; it turns one
unit into requests and the replies into Judgments.

Strategies live in a registry (registry.py); outside packages add their own through the
`jury.strategies` entry-point group, so a new strategy is one class, not five table edits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from jury.models.request import ModelReply, ModelRequest
from jury.records import Item, Judgment, Preference, Usage

if TYPE_CHECKING:
    from jury.panel.spec import JudgeSpec

PROBE_TOP_LOGPROBS = 20
NO_REFERENCE = "(no reference given)"
# Scores are on a 0-1 scale, and a difference or mean of a few of them carries rounding error of about
# 1e-16; 1e-9 is far above that and far below any difference a judge can express (providers report
# log-probabilities to about 1e-7), so what is a tie on paper stays a tie: 0.3 - (0.1 + 0.2) is 5.6e-17
# in floating point, not a preference for the baseline.
SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class JudgeCall:
    """One request a judge makes on a unit; `role` says what was shown (an output alone, or an order)."""

    unit_id: str
    judge: str
    role: str
    request: ModelRequest


class Strategy(ABC):
    """One way of judging. Subclasses set the class attributes and implement `calls` and `judgments`."""

    name: ClassVar[str]
    # placeholders a prompt file may use, e.g. {question}, {answer}
    fields: ClassVar[frozenset[str]]
    # verdict parsers this strategy reads replies with; the first is the default
    parsers: ClassVar[tuple[str, ...]]
    # True when each output is judged alone, so presentation order cannot matter (no position swap)
    order_independent: ClassVar[bool]
    # score differences this small (0-1 scale) are a tie, unless the judge sets `tie_margin`
    default_tie_margin: ClassVar[float] = 0.02

    def default_max_tokens(self, parser: str) -> int:
        """Probes read the first token only; a verdict after reasoning needs room."""
        return 512

    def calls_per_unit(self, parser: str) -> int:
        """Requests per judged unit: both orders, or both outputs."""
        return 2

    @abstractmethod
    def calls(self, judge: JudgeSpec, unit_id: str, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
        """The requests for one unit; `item` is the unit as a judge sees it (jury.panel.units.judge_item)."""

    @abstractmethod
    def judgments(self, judge: JudgeSpec, unit_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
        """`replies` maps each JudgeCall.role of this judge and unit to its reply."""


def chat_request(judge: JudgeSpec, text: str, *, top_logprobs: int = 0) -> ModelRequest:
    """The single user message a prompting strategy sends, at temperature 0 with a fixed seed."""
    return ModelRequest(
        model=judge.model,
        messages=(("user", text),),
        max_tokens=judge.max_tokens,
        temperature=0.0,
        seed=0,
        top_logprobs=top_logprobs,
        api_base=judge.api_base,
    )


def preference_from_difference(diff: float, margin: float) -> Preference:
    """Candidate score minus baseline score -> a verdict; differences within the margin (up to
    floating-point rounding, SCORE_TOLERANCE) are a tie."""
    if abs(diff) <= margin + SCORE_TOLERANCE:
        return Preference.TIE
    return Preference.CANDIDATE if diff > 0 else Preference.BASELINE


def sum_usage(replies: Iterable[ModelReply]) -> Usage:
    replies = list(replies)
    return Usage(
        prompt_tokens=sum(r.usage.prompt_tokens for r in replies),
        completion_tokens=sum(r.usage.completion_tokens for r in replies),
        cost_usd=sum(r.usage.cost_usd for r in replies),
        latency_s=sum(r.usage.latency_s for r in replies),
        cached=all(r.usage.cached for r in replies),
    )
