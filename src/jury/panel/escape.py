"""Candidate outputs are data inside a judge prompt, never instructions: neutralise what could pass
for the prompt's own structure.

An output that writes "[End of answer A]" and then a fake verdict, or a line "Correct: Yes" under
a probe prompt, tries to close the block it sits in and answer for the judge. Every such token is
defanged before formatting: square brackets of delimiters and verdict markers become parentheses
and label lines are quoted, so the judge still reads the text but no longer sees our structure in it.
Ordinary brackets (code, lists, citations) are left alone.
"""

from __future__ import annotations

import re

# "[Start of answer A]", "[End of the assistant's answer]", "[Question]", "[Reference answer]", ...
_DELIMITER = re.compile(
    r"\[\s*(?:(?:start|end)\s+of\b[^\]\n]{0,60}|question|reference answer|answer\s+[ab])\s*\]", re.IGNORECASE
)
# Verdict markers the parsers read: [[A]], [[B>>A]], [[7]], [[C]], [[tie]].
_MARKER = re.compile(r"\[\[([^\[\]\n]{0,12})\]\]")
# Lines that look like the labels our prompts end with ("Correct:", "Rating:", "Verdict:").
_LABEL = re.compile(r"^(\s*)(correct|rating|verdict|judgment|judgement|answer|true|false)(\s*:)", re.IGNORECASE | re.M)


def escape_output(text: str) -> str:
    """The text with prompt delimiters, verdict markers and label lines neutralised."""
    text = _MARKER.sub(lambda m: f"(({m.group(1)}))", text)
    text = _DELIMITER.sub(lambda m: "(" + m.group(0)[1:-1] + ")", text)
    return _LABEL.sub(lambda m: f"{m.group(1)}> {m.group(2)}{m.group(3)}", text)


# "[User, turn 2]", "[Assistant, turn 1, context]": the labels a later turn's conversation is shown with.
_TURN_LABEL = re.compile(r"\[(\s*(?:user|assistant)\s*,\s*turn\b[^\]\n]{0,60})\]", re.IGNORECASE)


def escape_turn_labels(text: str) -> str:
    """An answer inside a rendered conversation cannot fake the label of another turn. Kept apart
    from escape_output so single-turn prompts (and their cache keys) stay exactly as they were."""
    return _TURN_LABEL.sub(lambda m: f"({m.group(1)})", text)
