"""Strict schemas for the files users write by hand (panels, boards, task metadata).

Each file is a pydantic model that refuses what it does not know and never coerces: `name: null` is
not the text "None", `max_tokens: 2.9` is not 2, `true` is not 1 and `notes: hello` is not five notes.
A file that does not fit is one JuryError naming the file, the line, the field path
(`judges[1].max_tokens`) and what was expected, never a pydantic report or a traceback.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jury.errors import JuryError
from jury.io.strict_yaml import Location, YamlDocument

STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
Text = Annotated[str, Field(min_length=1)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "finite_number": "a finite number",
    "string_too_short": "non-empty text",
}


def field_path(location: Location) -> str:
    """`('judges', 1, 'max_tokens')` -> `judges[1].max_tokens`."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list {_short(repr(value))}"
    return _short(repr(value))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number_text(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _expected(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "greater_than":
        return f"a number > {ctx['gt']:g}"
    if kind == "greater_than_equal":
        return f"a number >= {ctx['ge']:g}"
    if kind == "literal_error":
        return str(ctx["expected"])
    if kind == "too_short":
        return f"at least {ctx['min_length']} entr{'y' if ctx['min_length'] == 1 else 'ies'}"
    return _EXPECTED.get(kind, str(error["msg"]).removeprefix("Input should be ").rstrip("."))


def _model_at(model: type[BaseModel], location: Location) -> type[BaseModel] | None:
    """The model that the mapping at `location` is read with (for the keys it allows)."""
    current: type[BaseModel] | None = model
    for part in location:
        if isinstance(part, int):
            continue  # list items are read with the list's element model
        info = current.model_fields.get(part) if current else None
        current = _inner_model(info.annotation) if info else None
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if found := _inner_model(arg):
            return found
    return None


def _error(model: type[BaseModel], error: Any, doc: YamlDocument, at: Location) -> JuryError:
    loc = tuple(error["loc"])
    location, parent = (*at, *loc), (*at, *loc[:-1])
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        allowed = sorted((_model_at(model, loc[:-1]) or model).model_fields)
        near = difflib.get_close_matches(key, allowed, n=1)
        fix = f"did you mean '{near[0]}'?" if near else f"allowed: {', '.join(allowed)}"
        return JuryError(f"unknown key '{key}'", where=doc.where(location, field_path(parent)), fix=fix)
    if error["type"] == "invalid_key":  # YAML reads `1:`, `yes:` or `null:` as a number, true or null
        where = doc.where(parent, field_path(parent))
        return JuryError(f"key {_shown(error.get('input'))} is not text", where=where, fix="put the key in quotes")
    if error["type"] == "missing":
        return JuryError(f"missing key '{loc[-1]}'", where=doc.where(parent, field_path(parent)))
    value = error.get("input")
    return JuryError(
        f"expected {_expected(error)}, got {_shown(value)}",
        where=doc.where(location, field_path(location)),
        fix=_fix(error["type"], value),
    )


def _fix(kind: str, value: Any) -> str | None:
    """The usual YAML slips: a quoted number, and a bare word or number where text was meant."""
    if _is_number_text(value) and kind in ("int_type", "float_type"):
        return "write the number without quotes"
    if kind == "string_type" and isinstance(value, bool | int | float):
        return "put it in quotes (YAML reads yes, no, on, off as true or false, and digits as a number)"
    return None


def _value_at(data: Any, at: Location) -> Any:
    for part in at:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def validate(model: type[M], doc: YamlDocument, at: Location = ()) -> M:
    """The value at `at` in the document (the whole document by default) read with `model`. The first
    problem in file order is raised, with the number of others."""
    try:
        return model.model_validate(_value_at(doc.data, at))
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: doc.line((*at, *e["loc"])) or 0)
        first = _error(model, errors[0], doc, at)
        if len(errors) > 1:
            first = JuryError(f"{first.problem} (and {len(errors) - 1} more)", where=first.where, fix=first.fix)
        raise first from None
