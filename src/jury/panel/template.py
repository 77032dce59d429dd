"""Judge prompt files: text in which only the strategy's placeholders are filled.

A prompt is often written with braces that are not placeholders, a JSON reply format or an empty
`{}`. The rules (docs/panels.md):

- `{question}` and the strategy's other placeholders are filled; `{{` and `}}` are a literal brace,
  as in prompts written for Python's str.format (AlpacaEval's, MT-Bench's);
- any other brace is text: `{}`, `{"verdict": "A"}`, a lone `{`;
- refused, naming the prompt file and line: a `{word}` that is not a placeholder (a typo, or another
  strategy's placeholder), a placeholder with spaces, a format spec or a conversion, `{{question}}`
  (jinja's way of writing a placeholder, the literal text "{question}" here), and single literal braces
  mixed with `{{ }}` escapes (in `{"a": {"b": {"c": 1}}}` the `}}` would otherwise lose a brace).

The template is returned in str.format form (literal braces doubled) so every strategy, a plugin's
included, fills it with `prompt.format(...)`; a prompt that was a valid str.format template is
returned unchanged, so its requests and their cache keys do not move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jury.errors import JuryError

_TOKEN = re.compile(r"(?P<escape>\{\{|\}\})|\{(?P<inner>[^{}]*)\}|(?P<lone>[{}])")
_WORD = re.compile(r"[A-Za-z_]\w*")
_LOOSE = re.compile(r"\s*([A-Za-z_]\w*)\s*([!:].*)?", re.DOTALL)


def _refuse(problem: str, text: str, at: int, source: str, fix: str) -> JuryError:
    return JuryError(f"{source}:{text.count(chr(10), 0, at) + 1}: {problem}", fix=fix)


def _placeholders(fields: Iterable[str], strategy: str) -> str:
    return f"{strategy} prompts may use " + ", ".join(f"{{{f}}}" for f in sorted(fields))


def _field(inner: str, text: str, at: int, source: str, fields: frozenset[str], strategy: str) -> str | None:
    """The placeholder `{inner}` fills, None when the braces are text; a JuryError when it is neither."""
    if inner in fields:
        return inner
    if _WORD.fullmatch(inner):
        problem = f"unknown placeholder '{{{inner}}}' (write {{{{{inner}}}}} for the text itself)"
        raise _refuse(problem, text, at, source, _placeholders(fields, strategy))
    loose = _LOOSE.fullmatch(inner)
    if loose and loose.group(1) in fields:
        problem = f"placeholder '{{{inner}}}' has spaces, a format spec or a conversion"
        raise _refuse(problem, text, at, source, f"write {{{loose.group(1)}}}")
    return None


def _jinja_placeholder(text: str, opening: re.Match[str], closing: re.Match[str], fields: frozenset[str]) -> str:
    """`{{ question }}` (a placeholder in jinja, the literal text "{question}" here): the field, or ""."""
    if opening["escape"] != "{{" or closing["escape"] != "}}":
        return ""
    inside = text[opening.end() : closing.start()].strip()
    return inside if inside in fields else ""


def prompt_template(text: str, fields: frozenset[str], source: str, strategy: str = "these") -> str:
    """The prompt file's text as a str.format template filling only `fields`; `source` names the file
    and `strategy` the strategy whose placeholders `fields` are."""
    out: list[str] = []
    end, escapes, literals = 0, 0, 0
    matches = list(_TOKEN.finditer(text))
    for n, m in enumerate(matches):
        out.append(text[end : m.start()])
        end = m.end()
        if m["escape"]:
            escapes += 1
            out.append(m["escape"])
            closing = matches[n + 1] if n + 1 < len(matches) else None
            if closing and (jinja := _jinja_placeholder(text, m, closing, fields)):
                written = text[m.start() : closing.end()]
                problem = f"'{written}' is the literal text '{{{written[2:-2]}}}', not a placeholder"
                raise _refuse(problem, text, m.start(), source, f"write {{{jinja}}}")
        elif m["inner"] is not None and _field(m["inner"], text, m.start(), source, fields, strategy):
            out.append(m.group(0))
        else:
            literals += 1
            out.append(m.group(0).replace("{", "{{").replace("}", "}}"))
        if escapes and literals:
            problem = "single literal braces mixed with {{ }} escapes, so which brace is text is unclear"
            raise _refuse(problem, text, m.start(), source, "write every literal brace as {{ or }}")
    out.append(text[end:])
    return "".join(out)
