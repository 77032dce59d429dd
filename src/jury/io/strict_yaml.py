"""YAML that refuses duplicate keys, and whose every failure is one JuryError.

PyYAML silently keeps the last of two equal keys, so a task whose `doc_to_text` is written twice
runs with whichever came last and nobody notices. This loader turns that into an error with the
line of the second occurrence. PyYAML also raises plain Python errors for some valid-looking text
(`!!float x`, `!!timestamp x`, an integer of 5,000 digits, a list as a mapping key, nesting a
thousand levels deep): those are refused as invalid YAML too, never a traceback.
"""

from __future__ import annotations

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


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# lm-eval tasks may point a field at Python code with `!function module.name`; jury does not run
# it while reading, lm-eval does when it loads the task. Keep the reference as text.
_StrictLoader.add_constructor("!function", lambda loader, node: f"!function {loader.construct_scalar(node)}")


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; every problem is a JuryError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JuryError("file not found", where=str(path)) from None
    except UnicodeDecodeError as exc:
        raise JuryError(f"not UTF-8 text (byte {exc.start})", where=str(path), fix="save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
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
