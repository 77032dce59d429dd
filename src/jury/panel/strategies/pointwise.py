"""Strategies that show each output alone and compare the two scores (order cannot matter).

- pointwise_probe: "is this answer correct?" with a Yes/No first token; the output with the higher
  P(Yes) wins. The strategy that gives tiny local judges a real signal (they are at chance pairwise).
- single: each output graded 1-10 on a rubric ("Rating: [[7]]"); the higher grade wins.
- reference: each output judged True/False against the reference answer (PoLL's QA setting);
  P(True) from the first token where the provider returns log-probabilities.

Every output is escaped (jury.panel.escape) before it enters a prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from jury.models.request import ModelReply
from jury.panel.escape import escape_output
from jury.panel.parse import rating, true_probability, yes_probability
from jury.panel.strategies.base import (
    NO_REFERENCE,
    PROBE_TOP_LOGPROBS,
    JudgeCall,
    Strategy,
    chat_request,
    preference_from_difference,
    sum_usage,
)
from jury.records import Item, Judgment

if TYPE_CHECKING:
    from jury.panel.spec import JudgeSpec

# reply -> (score in [0, 1] for the output shown, reason when there is none)
Parser = Callable[[ModelReply], tuple[float | None, str | None]]
SIDES = ("candidate", "baseline")


class PointwiseStrategy(Strategy):
    """Each output alone, one request per side; `parse` maps a reply to that output's score."""

    fields: ClassVar[frozenset[str]] = frozenset({"question", "answer", "reference"})
    order_independent: ClassVar[bool] = True
    parse: ClassVar[dict[str, Parser]]
    # parsers that read the first token's alternatives, so the request asks for them
    logprob_parsers: ClassVar[frozenset[str]] = frozenset()

    def calls(self, judge: JudgeSpec, unit_id: str, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
        reference = item.reference or NO_REFERENCE
        top = PROBE_TOP_LOGPROBS if judge.parser in self.logprob_parsers else 0
        return [
            JudgeCall(
                unit_id,
                judge.name,
                role,
                chat_request(
                    judge,
                    judge.prompt.format(question=item.prompt, answer=escape_output(text), reference=reference),
                    top_logprobs=top,
                ),
            )
            for role, text in (("candidate", candidate), ("baseline", baseline))
        ]

    def scores(self, judge: JudgeSpec, replies: dict[str, ModelReply]) -> tuple[dict[str, float], list[str], str]:
        """(score in [0, 1] per output, abstention reasons, a readable record of the replies)."""
        parse = self.parse[judge.parser]
        scores, reasons = {}, []
        for role in SIDES:
            score, reason = parse(replies[role])
            if score is None:
                reasons.append(f"{role}: {reason}")
            else:
                scores[role] = score
        return scores, reasons, " | ".join(f"{r}: {replies[r].text!r}" for r in SIDES)

    def judgments(self, judge: JudgeSpec, unit_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
        scores, reasons, raw = self.scores(judge, replies)
        preference = (
            None if reasons else preference_from_difference(scores["candidate"] - scores["baseline"], judge.tie_margin)
        )
        return [
            Judgment(
                unit_id=unit_id,
                judge=judge.name,
                model=judge.model,
                strategy=judge.strategy,
                order="pointwise",
                preference=preference,
                scores=scores,
                raw=raw,
                abstain_reason="; ".join(reasons) or None,
                usage=sum_usage(replies.values()),
            )
        ]


class PointwiseProbe(PointwiseStrategy):
    name = "pointwise_probe"
    parsers = ("yes_no",)
    parse: ClassVar[dict[str, Parser]] = {"yes_no": yes_probability}
    logprob_parsers = frozenset({"yes_no"})

    def default_max_tokens(self, parser: str) -> int:
        return 1


class SingleGrade(PointwiseStrategy):
    name = "single"
    parsers = ("rating",)
    parse: ClassVar[dict[str, Parser]] = {"rating": rating}


class ReferenceCheck(PointwiseStrategy):
    name = "reference"
    parsers = ("true_false",)
    parse: ClassVar[dict[str, Parser]] = {"true_false": true_probability}
    logprob_parsers = frozenset({"true_false"})

    def default_max_tokens(self, parser: str) -> int:
        return 4
