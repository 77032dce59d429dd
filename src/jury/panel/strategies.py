"""Judging strategies: which requests a judge makes for an item, and how replies become Judgments.

- pointwise_probe: each output alone with a Yes/No correctness question; the output with the
  higher P(Yes) wins. Order-independent by construction: the strategy that gives tiny local judges
  a real signal (they are at chance when prompted pairwise).
- single: each output alone graded 1-10 on a rubric ("Rating: [[7]]"); the higher grade wins.
- reference: each output alone judged True/False against the reference answer (PoLL's QA setting);
  P(True) from the first token where the provider returns log-probabilities.
- likelihood: each output alone as the assistant's reply to the question, scored by its token
  log-probabilities (jury.panel.likelihood); the more probable output wins. Nothing is generated.
- pairwise: both outputs in one prompt, in both orders; the verdict ([[A]] / [[B]] / [[C]], or the
  five levels [[A>>B]] ... [[B>>A]]) is mapped back to the models.

Every output is escaped (jury.panel.escape) before it enters a prompt. Each Judgment carries a
score in [0, 1] for the candidate's side in `scores`, so score-pooling rules can combine strategies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jury.models.request import ModelReply, ModelRequest
from jury.panel.escape import escape_output
from jury.panel.likelihood import likelihood_requests, likelihood_scores
from jury.panel.parse import five_level, letter_probability, pairwise_letter, rating, true_probability, yes_probability
from jury.panel.spec import POINTWISE_STRATEGIES, JudgeSpec
from jury.records import Item, Judgment, Preference, Usage

PROBE_TOP_LOGPROBS = 20
NO_REFERENCE = "(no reference given)"
# Pointwise parsers: reply -> (score in [0, 1] for the output shown, reason when there is none).
POINTWISE_PARSERS: dict[str, Callable[[ModelReply], tuple[float | None, str | None]]] = {
    "yes_no": yes_probability,
    "true_false": true_probability,
    "rating": rating,
}
# Parsers that read the first token's alternatives, so the request asks for them.
_LOGPROB_PARSERS = ("yes_no", "true_false", "letter_logprob")
ORDERS = ("candidate_first", "baseline_first")


@dataclass(frozen=True)
class JudgeCall:
    """One request a judge makes; `role` says what was shown (an output alone, or an order)."""

    item_id: str
    judge: str
    role: str
    request: ModelRequest


def _request(judge: JudgeSpec, text: str) -> ModelRequest:
    return ModelRequest(
        model=judge.model,
        messages=(("user", text),),
        max_tokens=judge.max_tokens,
        temperature=0.0,
        seed=0,
        top_logprobs=PROBE_TOP_LOGPROBS if judge.verdict_parser in _LOGPROB_PARSERS else 0,
        api_base=judge.api_base,
    )


def judge_calls(judge: JudgeSpec, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
    reference = item.reference or NO_REFERENCE
    if judge.strategy == "likelihood":  # the outputs are scored as they are, not shown to a judge
        return [
            JudgeCall(item.item_id, judge.name, role, request)
            for role, request in likelihood_requests(judge, item, candidate, baseline, reference)
        ]
    candidate, baseline = escape_output(candidate), escape_output(baseline)
    if judge.strategy in POINTWISE_STRATEGIES:
        return [
            JudgeCall(
                item.item_id,
                judge.name,
                role,
                _request(judge, judge.prompt.format(question=item.prompt, answer=text, reference=reference)),
            )
            for role, text in (("candidate", candidate), ("baseline", baseline))
        ]
    orders = (("candidate_first", candidate, baseline), ("baseline_first", baseline, candidate))
    return [
        JudgeCall(
            item.item_id,
            judge.name,
            order,
            _request(judge, judge.prompt.format(question=item.prompt, answer_a=a, answer_b=b, reference=reference)),
        )
        for order, a, b in orders
    ]


def preference_from_difference(diff: float, margin: float) -> Preference:
    """Candidate score minus baseline score -> a verdict; differences within the margin are a tie."""
    if abs(diff) <= margin:
        return Preference.TIE
    return Preference.CANDIDATE if diff > 0 else Preference.BASELINE


def _pointwise_scores(judge: JudgeSpec, replies: dict[str, ModelReply]) -> tuple[dict[str, float], list[str], str]:
    """(score in [0, 1] per output, abstention reasons, raw record) for a pointwise judge."""
    if judge.strategy == "likelihood":
        return likelihood_scores(judge.verdict_parser, replies)
    parse = POINTWISE_PARSERS[judge.verdict_parser]
    scores, reasons = {}, []
    for role in ("candidate", "baseline"):
        score, reason = parse(replies[role])
        if score is None:
            reasons.append(f"{role}: {reason}")
        else:
            scores[role] = score
    return scores, reasons, " | ".join(f"{r}: {replies[r].text!r}" for r in ("candidate", "baseline"))


def _pointwise_judgment(judge: JudgeSpec, item_id: str, replies: dict[str, ModelReply]) -> Judgment:
    scores, reasons, raw = _pointwise_scores(judge, replies)
    preference = (
        None if reasons else preference_from_difference(scores["candidate"] - scores["baseline"], judge.tie_margin)
    )
    return Judgment(
        item_id=item_id,
        judge=judge.name,
        model=judge.model,
        strategy=judge.strategy,
        order="pointwise",
        preference=preference,
        scores=scores,
        raw=raw,
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
# A verdict as a strength of preference for the candidate, for letter verdicts without one.
PREFERENCE_SCORE = {Preference.CANDIDATE: 1.0, Preference.TIE: 0.5, Preference.BASELINE: 0.0}


def _pairwise_verdict(
    judge: JudgeSpec, order: str, reply: ModelReply
) -> tuple[Preference | None, float | None, str | None]:
    """(preference, candidate score in [0, 1], abstain reason) for one presentation order."""
    if judge.verdict_parser in ("five_level", "letter_logprob"):
        a_score, reason = (five_level if judge.verdict_parser == "five_level" else letter_probability)(reply)
        if a_score is None:
            return None, None, reason
        score = a_score if order == "candidate_first" else 1.0 - a_score
        margin = judge.tie_margin if judge.verdict_parser == "letter_logprob" else 0.0
        return preference_from_difference(score - 0.5, margin), score, None
    letter, reason = pairwise_letter(reply)
    if letter is None:
        return None, None, reason
    preference = _LETTER_TO_PREFERENCE[order][letter]
    return preference, PREFERENCE_SCORE[preference], None


def judgments_for(judge: JudgeSpec, item_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
    """`replies` maps each JudgeCall.role of this judge and item to its reply."""
    if judge.strategy in POINTWISE_STRATEGIES:
        return [_pointwise_judgment(judge, item_id, replies)]
    judgments = []
    for order in ORDERS:
        preference, score, reason = _pairwise_verdict(judge, order, replies[order])
        judgments.append(
            Judgment(
                item_id=item_id,
                judge=judge.name,
                model=judge.model,
                strategy=judge.strategy,
                order=order,  # type: ignore[arg-type]
                preference=preference,
                scores={} if score is None else {"candidate": score},
                raw=replies[order].text,
                abstain_reason=reason,
                usage=replies[order].usage,
            )
        )
    return judgments
