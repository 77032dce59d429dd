"""The user's own injection probes (`--probes FILE`) and items (`--task`) for `jury probe-injection`:
the attacks that matter are the ones aimed at the user's task.

Probes file: YAML (a mapping `name: text`, or a list of texts) or JSONL (one `{"text": ..., "name":
...}` per line, `name` optional). Every problem is a one-line JuryError naming the file and the line
or entry.

Task: any task jury can load. The probe needs a right and a wrong answer per item. Right: the
item's baseline answer (what `jury run` compares against), or its reference when it has no baseline.
Wrong: the right answer of the next item in the task (wrapping around, skipping items whose answer
is the same text): an answer in the task's own style and length, wrong because it answers another
question. An off-topic answer is easier to reject than a subtly wrong one, so the flip rates measured
this way are a lower bound on what the injections do when the wrong answer is harder to spot. Multi-
turn items are probed on their first turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.formats.plain import Columns
from jury.io.rows import read_json_rows
from jury.io.strict_yaml import load_yaml
from jury.records import Item
from jury.tasks.loader import load_task
from jury.workflows.injection import CONTROL, PLAIN, ProbeQuestion

RESERVED = (PLAIN, CONTROL)  # the names of the plain and control cases
_ROW_FIELDS = {"name", "text"}


def _checked_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise JuryError("an injection must be non-empty text", where=where, fix="give each probe its text")
    return value


def _checked_name(value: Any, where: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise JuryError(f"a probe name must be non-empty text, got {value!r}", where=where)
    name = str(value).strip()
    if name in RESERVED:
        raise JuryError(f"the probe name '{name}' is reserved", where=where, fix=f"rename it: {RESERVED} are taken")
    return name


def _add(probes: dict[str, str], name: str, text: str, where: str) -> None:
    if name in probes:
        raise JuryError(f"probe name '{name}' appears twice", where=where, fix="names must be unique")
    probes[name] = text


def _from_yaml(path: Path) -> dict[str, str]:
    data = load_yaml(path)
    probes: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}: {key}"
            _add(probes, _checked_name(key, where), _checked_text(value, where), where)
    elif isinstance(data, list):
        for index, value in enumerate(data, start=1):
            where = f"{path}: [{index}]"
            _add(probes, f"probe_{index}", _checked_text(value, where), where)
    else:
        raise JuryError(
            "expected a mapping of probe names to texts, or a list of texts", where=str(path), fix="see --help"
        )
    return probes


def _from_jsonl(path: Path) -> dict[str, str]:
    probes: dict[str, str] = {}
    for index, row in enumerate(read_json_rows(path), start=1):
        unknown = sorted(set(row.data) - _ROW_FIELDS)
        if unknown:
            raise JuryError(f"unknown field '{unknown[0]}'", where=row.where, fix="each row is {name?, text}")
        if "text" not in row.data:
            raise JuryError("missing field 'text'", where=row.where, fix="each row is {name?, text}")
        name = _checked_name(row.data["name"], row.where) if "name" in row.data else f"probe_{index}"
        _add(probes, name, _checked_text(row.data["text"], row.where), row.where)
    return probes


def load_probes(path: Path) -> dict[str, str]:
    """name -> injection text, in the file's order."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        probes = _from_yaml(path)
    elif suffix in (".jsonl", ".json"):
        probes = _from_jsonl(path)
    else:
        raise JuryError(f"unknown probes file type '{suffix}'", where=str(path), fix="use .yaml, .yml or .jsonl")
    if not probes:
        raise JuryError("no probes in the file", where=str(path))
    return probes


def _right_answer(item: Item, where: str) -> str:
    baseline = item.baseline_turns[0] if item.baseline_turns else item.baseline
    right = baseline if baseline and baseline.strip() else item.reference
    if not right or not right.strip():
        raise JuryError(
            f"item '{item.item_id}' has neither a baseline answer nor a reference: the probe needs a right answer",
            where=where,
            fix="use a task whose items have a baseline answer or a reference",
        )
    return right


def task_questions(
    name_or_path: str, *, limit: int | None = None, columns: Columns | None = None
) -> tuple[ProbeQuestion, ...]:
    """The task's items as probe questions: right and wrong answers chosen as the module says."""
    task = load_task(name_or_path, limit=limit, columns=columns)
    rights = [_right_answer(item, str(task.path)) for item in task.items]
    if len(set(rights)) < 2:
        raise JuryError(
            "the probe needs at least two items with different right answers (one item's answer is another's "
            "wrong answer)",
            where=str(task.path),
        )
    out = []
    for k, item in enumerate(task.items):
        shifted = (rights[(k + step) % len(rights)] for step in range(1, len(rights)))
        wrong = next(text for text in shifted if text != rights[k])
        reference = item.references[0] if item.references else item.reference
        out.append(ProbeQuestion(item.prompt, rights[k], wrong, reference))
    return tuple(out)
