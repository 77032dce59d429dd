"""YAML that refuses duplicate keys, remembers the line of every value, and whose every failure is
one JuryError.

PyYAML silently keeps the last of two equal keys, so a task whose `doc_to_text` is written twice
runs with whichever came last and nobody notices. This loader turns that into an error with the
line of the second occurrence. The lines are kept so that a schema error later (jury.io.schema) can
say where in the file the bad value is, not only which field. PyYAML also raises plain Python errors
for some valid-looking text (`!!float x`, `!!timestamp x`, an integer of 5,000 digits, a list as a
mapping key, nesting a thousand levels deep): those are refused as invalid YAML too, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jury.errors import JuryError


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class _UnhashableKey(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings check for repeated keys before building the dict."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # resolves `<<:` merges first; merged keys may be overridden
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:  # a list or mapping as a key: PyYAML would fail later, with a TypeError
            raise _UnhashableKey(line) from None
        if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
            raise _DuplicateKey(str(key), line, seen[key])
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """A date-like value that is no date (`2020-13-45`): a YAML error with its line, not a ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, f"not a date ({exc})", node.start_mark) from None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
# lm-eval tasks may point a field at Python code with `!function module.name`; jury does not run
# it while reading, lm-eval does when it loads the task. Keep the reference as text.
_StrictLoader.add_constructor("!function", lambda loader, node: f"!function {loader.construct_scalar(node)}")


Location = tuple[str | int, ...]  # mapping keys as written, list indexes as ints


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file and the line (1-based) where each value starts."""

    path: Path
    data: Any
    lines: Mapping[Location, int] = field(default_factory=dict)

    def line(self, location: Location) -> int | None:
        """The line of the value at `location`, or of its nearest enclosing value (a missing key's mapping)."""
        for end in range(len(location), -1, -1):
            if location[:end] in self.lines:
                return self.lines[location[:end]]
        return None

    def where(self, location: Location, field_path: str = "") -> str:
        """`file:line: field` for an error message (without the line when it is not known)."""
        line = self.line(location)
        place = f"{self.path}:{line}" if line else str(self.path)
        return f"{place}: {field_path}" if field_path else place


def _locate(root: yaml.Node | None) -> dict[Location, int]:
    """Line of every value by its path; each node is visited once (an alias is located where it is
    defined), so recursive or repeatedly aliased documents cannot make this loop or explode."""
    out: dict[Location, int] = {}
    seen: set[int] = set()
    todo: list[tuple[yaml.Node | None, Location]] = [(root, ())]
    while todo:
        node, here = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        out[here] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):  # merged keys are already flattened in by construction
            todo += [(v, (*here, str(k.value))) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            todo += [(child, (*here, i)) for i, child in enumerate(node.value)]
    return out


def _parse(text: str) -> tuple[Any, dict[Location, int]]:
    loader = _StrictLoader(text)  # a SafeLoader subclass: no arbitrary objects
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return data, _locate(node)
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; every problem is a JuryError naming the file and line."""
    return load_yaml_document(path).data


def load_yaml_document(path: Path) -> YamlDocument:
    """Parse a YAML file keeping the line of every value; every problem is a JuryError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JuryError("file not found", where=str(path)) from None
    except UnicodeDecodeError as exc:
        raise JuryError(f"not UTF-8 text (byte {exc.start})", where=str(path), fix="save it as UTF-8") from None
    try:
        data, lines = _parse(text)
    except _DuplicateKey as exc:
        raise JuryError(
            f"duplicate key '{exc.key}' (first on line {exc.first_line})",
            where=f"{path}:{exc.line}",
            fix="YAML keeps only the last one; delete one of them",
        ) from None
    except _UnhashableKey as exc:
        raise JuryError("a list or mapping used as a key", where=f"{path}:{exc.line}", fix="keys are names") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # PyYAML's own may span lines
        raise JuryError(f"not valid YAML ({problem})", where=where) from None
    except RecursionError:
        raise JuryError("not valid YAML (nested too deeply)", where=str(path)) from None
    except (ValueError, TypeError, AttributeError) as exc:  # a scalar its tag cannot hold, e.g. `!!float x`
        detail = " ".join(str(exc).split())[:120]
        raise JuryError(f"not valid YAML (a value its type cannot hold: {detail})", where=str(path)) from None
    return YamlDocument(path, data, lines)
