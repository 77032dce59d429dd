"""Hypothesis strategies for tests/test_fuzz_readers.py: a valid seed file broken the way files really
break (a flipped byte, a cut-off end, a stray quote, brace or NUL, a lost line, a value of the wrong
type, an odd YAML scalar under a known key), or bytes that owe nothing to any seed.

Mutating a valid file reaches far deeper into a reader than random bytes do (those stop at the first
parse); random bytes and random documents cover what no seed suggests."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

# Text that breaks parsers: quoting, nesting, NUL and control bytes, BOMs, bad UTF-8, YAML syntax,
# prompt-template braces, numbers no float or int holds, nesting deeper than a recursive parser goes.
TOKENS: tuple[bytes, ...] = (
    b'"', b"'", b"{", b"}", b"[", b"]", b",", b":", b"\x00", b"\n", b"\r", b"\r\n", b"\t", b"\\", b"\\u",
    b"- ", b"? ", b"&a ", b"*a", b"!!python/object:os.system ", b"!!int x", b"!!float x", b"!!timestamp x",
    b"!!binary x", b"!function x.y", b"---\n", b"...\n", b"%YAML 1.1\n", b"<<: ", b"#", b"|\n", b">\n",
    b"\xef\xbb\xbf", "\u2028".encode(), b"\xff", b"\xc3", b"\xed\xa0\x80", b"NaN", b"Infinity", b"-0", b"1e999",
    b"9" * 5000, b"null", b"true", b"{x}", b"{{", b"}}", b"{0}", b"{question", b"%s", b"[" * 3000,
)  # fmt: skip

# YAML scalars put under an existing key: every type YAML can spell, and a few it cannot.
YAML_SCALARS: tuple[str, ...] = (
    "", "~", "null", "true", "no", "on", "0", "-1", "2.9", "1e999", ".nan", ".inf", "-.inf", "0x1F", "0o17",
    "1_000", "2020-01-01", "2020-01-01T00:00:00Z", "[]", "{}", "[a, b]", "[null]", "{a: 1}", "'{'", '"{x}"',
    "abc", "'   '", "!!binary aGk=", "!!str 1", "!!int x", "!!float x", "!!timestamp x", "!!set {a}",
    "!!omap [a: 1]", "!!python/tuple [1]", "*undefined", "&anchor x", "|", ">-", "- a", "? x", "@x", "%x",
    "`x", "=", "<<: {a: 1}", "9" * 5000, "[" * 200, "'a' 'b'", "a: b: c", "\t", "\x00", "\ufeff", "\u2028",
)  # fmt: skip

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 2**1000, 0, -1])
    | st.floats()
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
YAML_VALUES = JSON_VALUES | st.dates() | st.datetimes() | st.binary(max_size=8)

Draw = Callable[[st.SearchStrategy[Any]], Any]


# ---- byte and line level --------------------------------------------------------------------------


def _at(draw: Draw, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def flip_byte(draw: Draw, data: bytes) -> bytes:
    if not data:
        return data
    i = draw(st.integers(0, len(data) - 1))
    return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]


def truncate(draw: Draw, data: bytes) -> bytes:
    return data[: _at(draw, data)]


def insert_token(draw: Draw, data: bytes) -> bytes:
    i = _at(draw, data)
    token = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=4))
    return data[:i] + token + data[i:]


def delete_span(draw: Draw, data: bytes) -> bytes:
    i = _at(draw, data)
    return data[:i] + data[i + draw(st.integers(1, 16)) :]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def delete_line(draw: Draw, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[draw(st.integers(0, len(lines) - 1))]
    return b"\n".join(lines)


def duplicate_line(draw: Draw, data: bytes) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    lines.insert(draw(st.integers(0, len(lines))), lines[i])
    return b"\n".join(lines)


def swap_lines(draw: Draw, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


BYTE_OPS = (flip_byte, truncate, insert_token, delete_span, delete_line, duplicate_line, swap_lines)


# ---- value level: parse, change one value, write back ------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += _paths(inner, (*prefix, index))
    return out


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


def _type_swap(value: Any) -> list[Any]:
    """The same content as another type: what a hand-edited or other-tool file holds."""
    swaps: list[Any] = [None, [value], {"value": value}, str(value), [], {}, "", True, 0, 2.5, -1]
    if isinstance(value, str):
        swaps += [int(value) if value.strip().isdigit() and len(value) < 100 else 42, value * 3, value.upper()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        swaps += [-value, value + 0.5, value * 10**30]
    return swaps


def mutate_tree(draw: Draw, root: Any, values: st.SearchStrategy[Any]) -> Any:
    """Replace, type-swap or delete one value; add or rename a key; anywhere in the document."""
    path = draw(st.sampled_from(_paths(root)))
    parent = _get(root, path[:-1]) if path else None
    op = draw(st.sampled_from(("replace", "swap", "delete", "add_key", "rename_key")))
    if op in ("replace", "swap") or not path:
        new = draw(values) if op == "replace" else draw(st.sampled_from(_type_swap(_get(root, path))))
        if not path:
            return new
        parent[path[-1]] = new
    elif op == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        key = draw(st.sampled_from(("extra", "", "id", "name", "1", "judges", "version")) | st.text(max_size=6))
        value = parent.pop(path[-1]) if op == "rename_key" else draw(values)
        parent[key] = value
    return root


def mutate_json(draw: Draw, data: bytes) -> bytes:
    root = json.loads(data)
    return json.dumps(mutate_tree(draw, root, JSON_VALUES), ensure_ascii=draw(st.booleans())).encode()


def mutate_jsonl(draw: Draw, data: bytes) -> bytes:
    lines = data.decode().split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    i = draw(st.sampled_from(filled))
    lines[i] = json.dumps(mutate_tree(draw, json.loads(lines[i]), JSON_VALUES))
    return "\n".join(lines).encode()


_YAML_KEY = re.compile(r"(?m)^(\s*(?:- )?[\w.]+:)[ \t]*(.*)$")


def _under_key(text: str, m: re.Match[str], scalar: str) -> bytes:
    return (text[: m.start()] + m.group(1) + " " + scalar + text[m.end() :]).encode()


def every_scalar_under_every_key(seed: bytes) -> list[bytes]:
    """The seed with each of YAML_SCALARS under each of its keys in turn (nested ones too): what the
    random mutations reach only by luck, tried exhaustively."""
    text = seed.decode()
    return [_under_key(text, m, scalar) for m in _YAML_KEY.finditer(text) for scalar in YAML_SCALARS]


def mutate_yaml(draw: Draw, data: bytes) -> bytes:
    """Half the time a random scalar spelled under one key (the file's own text otherwise kept), half a
    value of another type in the parsed document, dumped back."""
    text = data.decode()
    keyed = list(_YAML_KEY.finditer(text))
    if keyed and draw(st.booleans()):
        scalar = draw(st.sampled_from(YAML_SCALARS) | st.text(max_size=12))
        return _under_key(text, draw(st.sampled_from(keyed)), scalar)
    root = mutate_tree(draw, yaml.safe_load(text), YAML_VALUES)
    return yaml.safe_dump(root, allow_unicode=True, sort_keys=False).encode()


def mutate_csv(draw: Draw, data: bytes) -> bytes:
    """One cell of another content (quotes, separators, line breaks), or a row one cell short or long."""
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    r = draw(st.integers(0, len(rows) - 1))
    row = rows[r]
    op = draw(st.sampled_from(("cell", "drop", "add")))
    if op == "cell" and row:
        row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(('"', '""', "a,b", "a\nb", "", " ")) | st.text())
    elif op == "drop" and row:
        del row[draw(st.integers(0, len(row) - 1))]
    else:
        row.append(draw(st.text(max_size=8)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


VALUE_OPS: dict[str, Callable[[Draw, bytes], bytes]] = {
    "json": mutate_json,
    "jsonl": mutate_jsonl,
    "yaml": mutate_yaml,
    "csv": mutate_csv,
}


@st.composite
def mutated(draw: Draw, seed: bytes, kind: str) -> bytes:
    """The seed after a value-level change (for structured kinds, half the time) and 0-3 byte or line
    changes (at least one when the value stayed)."""
    data, changed = seed, False
    if kind in VALUE_OPS and draw(st.booleans()):
        data, changed = VALUE_OPS[kind](draw, data), True
    for _ in range(draw(st.integers(0 if changed else 1, 3))):
        data = draw(st.sampled_from(BYTE_OPS))(draw, data)
    return data


def random_document(kind: str) -> st.SearchStrategy[bytes]:
    """A well-formed document of the file's syntax holding anything at all."""
    if kind == "yaml":
        return YAML_VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True).encode())
    if kind == "jsonl":
        return st.lists(JSON_VALUES, min_size=1, max_size=4).map(lambda vs: "\n".join(map(json.dumps, vs)).encode())
    return JSON_VALUES.map(lambda v: json.dumps(v).encode())


def fuzzed(seed: bytes, kind: str) -> st.SearchStrategy[bytes]:
    """Mostly mutations of the seed (six in eight), else random bytes or a random document."""
    sources = {"seed": mutated(seed, kind), "bytes": st.binary(max_size=300), "document": random_document(kind)}
    return st.sampled_from(("seed",) * 6 + ("bytes", "document")).flatmap(sources.__getitem__)
