"""Turn judge replies into verdicts. Anything unreadable is an abstention with its reason."""

from __future__ import annotations

import math
import re

from jury.models.request import ModelReply

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


# Five-level pairwise verdicts and the strength of preference for answer A each one expresses.
FIVE_LEVELS: dict[str, float] = {"A>>B": 1.0, "A>B": 0.75, "A=B": 0.5, "B>A": 0.25, "B>>A": 0.0}
_FIVE = re.compile(r"\[\[\s*(A\s*>>\s*B|A\s*>\s*B|A\s*=\s*B|B\s*>\s*A|B\s*>>\s*A)\s*\]\]", re.IGNORECASE)
RATING_SCALE = (1.0, 10.0)
_RATING = re.compile(r"Rating:\s*\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]", re.IGNORECASE)
_TRUE_FALSE = re.compile(r"\b(true|false)\b", re.IGNORECASE)


def five_level(reply: ModelReply) -> tuple[float | None, str | None]:
    """Strength of preference for answer A in [0, 1] from the last [[A>>B]] ... [[B>>A]] marker."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    found = _FIVE.findall(reply.text)
    if not found:
        return None, "no [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]] verdict in the reply"
    return FIVE_LEVELS[re.sub(r"\s+", "", found[-1]).upper()], None


def rating(reply: ModelReply) -> tuple[float | None, str | None]:
    """A 1-10 rubric grade from the last 'Rating: [[n]]', rescaled to [0, 1] so strategies compare alike."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    found = _RATING.findall(reply.text)
    if not found:
        return None, "no 'Rating: [[n]]' in the reply"
    low, high = RATING_SCALE
    value = float(found[-1])
    if not low <= value <= high:
        return None, f"rating {value:g} outside {low:g}-{high:g}"
    return (value - low) / (high - low), None


def true_probability(reply: ModelReply) -> tuple[float | None, str | None]:
    """P(True) / (P(True) + P(False)) from the first token when the provider gives log-probabilities,
    else 1 or 0 from the first True / False word of the reply."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    p_true = p_false = 0.0
    for token, logprob in reply.first_token_top:
        word = token.strip().lower()
        if word == "true":
            p_true += math.exp(logprob)
        elif word == "false":
            p_false += math.exp(logprob)
    if p_true + p_false > 0.0:
        return p_true / (p_true + p_false), None
    found = _TRUE_FALSE.search(reply.text)
    if not found:
        return None, "neither True nor False in the reply"
    return (1.0 if found.group(1).lower() == "true" else 0.0), None


_LETTER_SCORE = {"A": 1.0, "C": 0.5, "B": 0.0}  # strength of preference for answer A; C is a tie


def letter_probability(reply: ModelReply) -> tuple[float | None, str | None]:
    """Expected preference for answer A, (P(A) + ½ P(C)) / (P(A) + P(B) + P(C)), from the first token's
    log-probabilities; without them, the first letter of the reply (1, ½ or 0)."""
    if reply.error:
        return None, f"call failed: {reply.error}"
    mass = dict.fromkeys(_LETTER_SCORE, 0.0)
    for token, logprob in reply.first_token_top:
        letter = token.strip().strip("[").upper()
        if letter in mass:
            mass[letter] += math.exp(logprob)
    total = sum(mass.values())
    if total > 0.0:
        return sum(_LETTER_SCORE[k] * p for k, p in mass.items()) / total, None
    first = reply.text.strip().lstrip("[").upper()[:1]
    if first in _LETTER_SCORE:
        return _LETTER_SCORE[first], None
    return None, "the reply does not start with A, B or C"
