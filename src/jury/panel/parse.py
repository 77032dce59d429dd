"""Turn judge replies into verdicts. Anything unreadable is an abstention with its reason."""

from __future__ import annotations

import math
import re

from jury.models.client import ModelReply

_PAIRWISE = re.compile(r"\[\[\s*(A|B|C|TIE)\s*\]\]", re.IGNORECASE)


def yes_probability(reply: ModelReply) -> tuple[float | None, str | None]:
    """P(Yes) / (P(Yes) + P(No)) from the first token's alternatives ('Yes', ' yes', ... summed)."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    if not reply.first_token_top:
        return None, "the provider returned no log-probabilities"
    p_yes = p_no = 0.0
    for token, logprob in reply.first_token_top:
        word = token.strip().lower()
        if word == "yes":
            p_yes += math.exp(logprob)
        elif word == "no":
            p_no += math.exp(logprob)
    if p_yes + p_no == 0.0:
        return None, "neither Yes nor No among the top log-probabilities"
    return p_yes / (p_yes + p_no), None


def pairwise_letter(reply: ModelReply) -> tuple[str | None, str | None]:
    """'A', 'B' or 'tie' from the last [[A]] / [[B]] / [[C]] marker in the reply."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    found = _PAIRWISE.findall(reply.text)
    if not found:
        return None, "no [[A]], [[B]] or [[C]] verdict in the reply"
    letter = found[-1].upper()
    return ("tie" if letter in ("C", "TIE") else letter), None
