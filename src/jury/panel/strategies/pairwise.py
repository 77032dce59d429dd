"""The pairwise strategy: both outputs in one prompt, in both orders; the verdict ([[A]] / [[B]] /
[[C]], the five levels [[A>>B]] ... [[B>>A]], or the letters' first-token probabilities) is mapped
back from the presented letters to the models. Outputs are escaped before they enter the prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jury.models.request import ModelReply
from jury.panel.escape import escape_output
from jury.panel.parse import five_level, letter_probability, pairwise_letter
from jury.panel.strategies.base import (
    NO_REFERENCE,
    PROBE_TOP_LOGPROBS,
    JudgeCall,
    Strategy,
    chat_request,
    preference_from_difference,
)
from jury.records import Item, Judgment, Preference

if TYPE_CHECKING:
    from jury.panel.spec import JudgeSpec

ORDERS = ("candidate_first", "baseline_first")
_LETTER_TO_PREFERENCE = {
    "candidate_first": {"A": Preference.CANDIDATE, "B": Preference.BASELINE, "tie": Preference.TIE},
    "baseline_first": {"A": Preference.BASELINE, "B": Preference.CANDIDATE, "tie": Preference.TIE},
}


class Pairwise(Strategy):
    name = "pairwise"
    fields = frozenset({"question", "answer_a", "answer_b", "reference"})
    parsers = ("letter", "five_level", "letter_logprob")
    order_independent = False

    def default_max_tokens(self, parser: str) -> int:
        return 1 if parser == "letter_logprob" else 512

    def calls(self, judge: JudgeSpec, unit_id: str, item: Item, candidate: str, baseline: str) -> list[JudgeCall]:
        reference = item.reference or NO_REFERENCE
        candidate, baseline = escape_output(candidate), escape_output(baseline)
        top = PROBE_TOP_LOGPROBS if judge.parser == "letter_logprob" else 0
        orders = (("candidate_first", candidate, baseline), ("baseline_first", baseline, candidate))
        return [
            JudgeCall(
                unit_id,
                judge.name,
                order,
                chat_request(
                    judge,
                    judge.prompt.format(question=item.prompt, answer_a=a, answer_b=b, reference=reference),
                    top_logprobs=top,
                ),
            )
            for order, a, b in orders
        ]

    def verdict(
        self, judge: JudgeSpec, order: str, reply: ModelReply
    ) -> tuple[Preference | None, float | None, str | None]:
        """(preference, candidate score in [0, 1], abstain reason) for one presentation order."""
        if judge.parser in ("five_level", "letter_logprob"):
            a_score, reason = (five_level if judge.parser == "five_level" else letter_probability)(reply)
            if a_score is None:
                return None, None, reason
            score = a_score if order == "candidate_first" else 1.0 - a_score
            margin = judge.tie_margin if judge.parser == "letter_logprob" else 0.0
            return preference_from_difference(score - 0.5, margin), score, None
        letter, reason = pairwise_letter(reply)
        if letter is None:
            return None, None, reason
        preference = _LETTER_TO_PREFERENCE[order][letter]
        return preference, preference.score, None

    def judgments(self, judge: JudgeSpec, unit_id: str, replies: dict[str, ModelReply]) -> list[Judgment]:
        out = []
        for order in ORDERS:
            preference, score, reason = self.verdict(judge, order, replies[order])
            out.append(
                Judgment(
                    unit_id=unit_id,
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
        return out
