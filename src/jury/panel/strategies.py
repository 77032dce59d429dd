"""Judging strategies: which requests a judge makes for an item, and how replies become Judgments.

- pointwise_probe: each output is shown alone with a Yes/No correctness question; the
  output with the higher P(Yes) wins. Order-independent by construction: the strategy
  that gives tiny local judges a real signal (they are at chance when prompted pairwise).
- pairwise: both outputs in one prompt, shown in both orders; the verdict letters are
  mapped back to the models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jury.models.client import ModelReply, ModelRequest
from jury.panel.parse import pairwise_letter, yes_probability
from jury.panel.spec import JudgeSpec
from jury.records import Item, Judgment, Preference, Usage

PROBE_TOP_LOGPROBS = 20


@dataclass(frozen=True)
class JudgeCall:
    """One request a judge makes; `role` says what was shown (an output alone, or an order)."""

    item_id: str
    judge: str
    role: str
    request: ModelRequest


def _request(judge: JudgeSpec, text: str, top_logprobs: int = 0) -> ModelRequest:
    return ModelRequest(
        model=judge.model,
        messages=(("user", text),),
        max_tokens=judge.max_tokens,
        temperature=0.0,
        seed=0,
        top_logprobs=top_logprobs,
        api_base=judge.api_base,
    )


def judge_calls(judge: JudgeSpec, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
    reference = item.reference or "(no reference given)"
    if judge.strategy == "pointwise_probe":
        return [
            JudgeCall(
                item.item_id,
                judge.name,
                role,
                _request(
                    judge,
                    judge.prompt.format(question=item.prompt, answer=text, reference=reference),
                    PROBE_TOP_LOGPROBS,
                ),
            )
            for role, text in (("candidate", candidate), ("baseline", baseline))
        ]
    orders = (("candidate_first", candidate, baseline), ("baseline_first", baseline, candidate))
    return [
        JudgeCall(
            item.item_id,
            judge.name,
            order,
            _request(
                judge,
                judge.prompt.format(question=item.prompt, answer_a=a, answer_b=b, reference=reference),
            ),
        )
        for order, a, b in orders
    ]


def _probe_judgment(judge: JudgeSpec, item_id: str, replies: dict[str, ModelReply]) -> Judgment:
    scores, reasons = {}, []
    for role in ("candidate", "baseline"):
        score, reason = yes_probability(replies[role])
        if score is None:
            reasons.append(f"{role}: {reason}")
        else:
            scores[role] = score
    preference: Preference | None = None
    if not reasons:
        diff = scores["candidate"] - scores["baseline"]
        preference = (
            Preference.TIE
            if abs(diff) <= judge.tie_margin
            else Preference.CANDIDATE
            if diff > 0
            else Preference.BASELINE
        )
    return Judgment(
        item_id=item_id,
        judge=judge.name,
        model=judge.model,
        strategy=judge.strategy,
        order="pointwise",
        preference=preference,
        scores=scores,
        raw=" | ".join(f"{r}: {replies[r].text!r}" for r in ("candidate", "baseline")),
        abstain_reason="; ".join(reasons) or None,
        usage=_sum_usage(replies.values()),
    )


def _sum_usage(replies: Iterable[ModelReply]) -> Usage:
    replies = list(replies)
    return Usage(
        prompt_tokens=sum(r.usage.prompt_tokens for r in replies),
        completion_tokens=sum(r.usage.completion_tokens for r in replies),
        cost_usd=sum(r.usage.cost_usd for r in replies),
        latency_s=sum(r.usage.latency_s for r in replies),
        cached=all(r.usage.cached for r in replies),
    )


_LETTER_TO_PREFERENCE = {
    "candidate_first": {"A": Preference.CANDIDATE, "B": Preference.BASELINE, "tie": Preference.TIE},
    "baseline_first": {"A": Preference.BASELINE, "B": Preference.CANDIDATE, "tie": Preference.TIE},
}


def judgments_for(judge: JudgeSpec, item_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
    """`replies` maps each JudgeCall.role of this judge and item to its reply."""
    if judge.strategy == "pointwise_probe":
        return [_probe_judgment(judge, item_id, replies)]
    judgments = []
    for order in ("candidate_first", "baseline_first"):
        letter, reason = pairwise_letter(replies[order])
        judgments.append(
            Judgment(
                item_id=item_id,
                judge=judge.name,
                model=judge.model,
                strategy=judge.strategy,
                order=order,  # type: ignore[arg-type]
                preference=_LETTER_TO_PREFERENCE[order][letter] if letter else None,
                raw=replies[order].text,
                abstain_reason=reason,
                usage=replies[order].usage,
            )
        )
    return judgments
