"""The keys of an lm-eval task YAML that jury reads itself, as strict schemas (jury.io.schema).

lm-eval owns the file: its own keys are checked by name only (loader.py, against the installed
lm-eval's TaskConfig) and passed to it untouched. jury reads `metadata.jury` and
`generation_kwargs.max_gen_toks`, so those are typed here: `max_gen_toks: abc` or `id_field: null` is a
one-line error naming the file, line and field, never a traceback or the text "None". A document's
baseline must be text (or one text per turn): 42, a mapping or `[null]` is refused, not turned into text.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from jury.errors import JuryError
from jury.io.schema import STRICT, PositiveInt, Text

OPEN = ConfigDict(strict=True, extra="allow", frozen=True)  # lm-eval's own keys pass through unchecked
DEFAULT_MAX_GEN_TOKS = 256


class JuryKeys(BaseModel):
    """`metadata.jury`: see the module docstring of jury.tasks.loader."""

    model_config = STRICT

    id_field: Text | None = None
    baseline_field: Text | None = None
    baseline_name: Text | None = None
    turns_field: Text | None = None
    description: str | None = None


class Metadata(BaseModel):
    model_config = OPEN

    jury: JuryKeys | None = None


class Generation(BaseModel):
    model_config = OPEN

    max_gen_toks: PositiveInt = DEFAULT_MAX_GEN_TOKS


class TaskFile(BaseModel):
    model_config = OPEN

    task: Text
    metadata: Metadata | None = None
    generation_kwargs: Generation | None = None

    @property
    def jury(self) -> JuryKeys:
        return (self.metadata.jury if self.metadata else None) or JuryKeys()

    @property
    def max_tokens(self) -> int:
        return self.generation_kwargs.max_gen_toks if self.generation_kwargs else DEFAULT_MAX_GEN_TOKS


def _kind(value: Any) -> str:
    if value is None or value == "":
        return "null" if value is None else "empty text"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value!r}"
    return {dict: "a mapping", list: "a list", bool: str(value).lower()}.get(type(value), type(value).__name__)


def check_baseline(value: Any, field: str, where: str) -> tuple[str, ...]:
    """A document's baseline answer: one text, or a list of texts (one per turn)."""
    answers = value if isinstance(value, list) else [value]
    for answer in answers:
        if not isinstance(answer, str):
            got = _kind(answer) + (" in the list" if isinstance(value, list) else "")
            raise JuryError(
                f"'{field}' (metadata.jury.baseline_field) must be text or a list of texts, got {got}",
                where=where,
                fix="write the baseline answer as a JSON string",
            )
    return tuple(answers)


def check_id(value: Any, field: str, where: str) -> str:
    """A document's id: text or an integer (MT-Bench writes `question_id: 81`), never null, a number
    with a fraction or a structure turned into text."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise JuryError(
            f"'{field}' (metadata.jury.id_field) must be text or an integer, got {_kind(value)}", where=where
        )
    return str(value)
