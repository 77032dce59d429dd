"""The likelihood strategy: how probable the judge model finds each output as the reply to the question.

Each output is scored alone, so the order of presentation cannot matter: the request carries the
prompt (usually just the question) as the user's message and the output as the assistant's, and asks
for prompt log-probabilities instead of an answer (local models; vLLM servers). Nothing is generated.

- `mean_logprob`: the output's score is exp(mean token log-probability), its geometric-mean token
  probability, in [0, 1]. Length-normalised, so a long answer is not penalised for having more tokens.
- `pmi`: the same output is also scored after the prompt with its fields left empty (no question),
  and its score is sigmoid(mean conditional - mean unconditional log-probability) = p_q / (p_q + p_0)
  of the two geometric-mean token probabilities: ½ when the question does not make the output more
  likely. It discounts outputs that are merely fluent (the domain-conditional PMI of Holtzman et al.,
  2021, "Surface Form Competition").

Outputs are not escaped: they are the message being scored, never instructions to a judge that answers,
and escaping would change the text whose probability is measured. The local engine reads them as plain
text (special tokens are not parsed).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from jury.models.request import ModelReply, ModelRequest
from jury.panel.log_odds import sigmoid
from jury.panel.strategies.base import NO_REFERENCE, JudgeCall, Strategy, preference_from_difference, sum_usage
from jury.records import Item, Judgment

if TYPE_CHECKING:
    from jury.panel.spec import JudgeSpec

FIELDS = frozenset({"question", "reference"})  # the answer is the assistant's message, not prompt text

UNCONDITIONAL = "_unconditional"  # suffix of the roles of PMI's question-less requests
# vLLM's meaning: the log-probability of each prompt token itself, no alternatives.
PROMPT_LOGPROBS = 0
NO_PROMPT_LOGPROBS = (
    "the provider returned no log-probabilities for the answer (the likelihood strategy needs prompt "
    "log-probabilities: local/ models or a vLLM server)"
)


def _scoring_request(judge: JudgeSpec, prompt: str, answer: str) -> ModelRequest:
    return ModelRequest(
        model=judge.model,
        messages=(("user", prompt.rstrip()), ("assistant", answer)),  # a prompt file's final newline is not text
        max_tokens=judge.max_tokens,
        temperature=0.0,
        seed=0,
        prompt_logprobs=PROMPT_LOGPROBS,
        api_base=judge.api_base,
    )


def likelihood_requests(
    judge: JudgeSpec, item: Item, candidate: str, baseline: str, reference: str
) -> list[tuple[str, ModelRequest]]:
    """(role, request) for each output; PMI adds each output after the prompt with empty fields."""
    prompt = judge.prompt.format(question=item.prompt, reference=reference)
    requests = [
        (role, _scoring_request(judge, prompt, text))
        for role, text in (("candidate", candidate), ("baseline", baseline))
    ]
    if judge.parser == "pmi":
        empty = judge.prompt.format(**dict.fromkeys(FIELDS, ""))
        requests += [
            (role + UNCONDITIONAL, _scoring_request(judge, empty, text))
            for role, text in (("candidate", candidate), ("baseline", baseline))
        ]
    return requests


def mean_logprob(reply: ModelReply) -> tuple[float | None, str | None]:
    """The mean log-probability of the answer's tokens, or the reason there is none."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    if reply.answer_logprobs is None:
        return None, NO_PROMPT_LOGPROBS
    if not reply.answer_logprobs:
        return None, "the answer is empty"
    return math.fsum(reply.answer_logprobs) / len(reply.answer_logprobs), None


def likelihood_scores(parser: str, replies: dict[str, ModelReply]) -> tuple[dict[str, float], list[str], str]:
    """(score in [0, 1] per output, abstention reasons, a readable record of the numbers)."""
    scores: dict[str, float] = {}
    reasons: list[str] = []
    raw: list[str] = []
    for role in ("candidate", "baseline"):
        roles = (role, role + UNCONDITIONAL) if parser == "pmi" else (role,)
        means = []
        for r in roles:
            mean, reason = mean_logprob(replies[r])
            if mean is None:
                reasons.append(f"{r}: {reason}")
            else:
                means.append(mean)
                raw.append(f"{r}: mean logprob {mean:.4f} over {len(replies[r].answer_logprobs or ())} tokens")
        if len(means) == len(roles):
            scores[role] = sigmoid(means[0] - means[1]) if parser == "pmi" else math.exp(means[0])
    return scores, reasons, " | ".join(raw)


class Likelihood(Strategy):
    name = "likelihood"
    fields = FIELDS
    parsers = ("mean_logprob", "pmi")
    order_independent = True
    # geometric-mean token probabilities of two answers typically differ by a few hundredths:
    # the probes' margin would make most items ties
    default_tie_margin = 0.0

    def default_max_tokens(self, parser: str) -> int:
        return 1

    def calls_per_unit(self, parser: str) -> int:
        return 4 if parser == "pmi" else 2

    def calls(self, judge: JudgeSpec, unit_id: str, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
        """The outputs are scored as they are, not shown to a judge (so not escaped)."""
        reference = item.reference or NO_REFERENCE
        return [
            JudgeCall(unit_id, judge.name, role, request)
            for role, request in likelihood_requests(judge, item, candidate, baseline, reference)
        ]

    def judgments(self, judge: JudgeSpec, unit_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
        scores, reasons, raw = likelihood_scores(judge.parser, replies)
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
