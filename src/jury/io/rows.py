"""Read rows from JSONL, a JSON list, or CSV, refusing anything ambiguous.

Every row keeps where it came from (`file:line` or `file[index]`), so a later error can point at
it. Lines are split on '\\n' only: real model outputs contain U+2028, which `str.splitlines`
would treat as a line break and so cut a JSON row in two.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jury.errors import JuryError

# A JSONL row longer than this is almost surely not one record (a minified JSON list saved as
# .jsonl, a binary file); refusing it keeps a 10 MB blob out of memory-hungry parsing and errors.
MAX_LINE_BYTES = 4 * 1024 * 1024


class _DuplicateField(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object hook: like YAML, JSON keeps the last of two equal keys without a word."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateField(key)
        data[key] = value
    return data


def _loads(text: str) -> Any:
    """json.loads, whose other failures (nesting past the recursion limit, an integer of thousands of
    digits) become a JSONDecodeError like any other unreadable JSON."""
    try:
        return json.loads(text, object_pairs_hook=_object)
    except (json.JSONDecodeError, _DuplicateField):
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise json.JSONDecodeError(" ".join(str(exc).split(":")[0].split()), text, 0) from None


@dataclass(frozen=True)
class Row:
    where: str
    data: dict[str, Any]


def read_text(path: Path) -> str:
    if path.is_dir():
        raise JuryError("is a folder, expected a file", where=str(path))
    if not path.is_file():
        raise JuryError("file not found", where=str(path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise JuryError(
            f"not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})",
            where=f"{path}:{line}",
            fix="re-save the file as UTF-8",
        ) from None
    if not text.strip():
        raise JuryError("the file is empty", where=str(path))
    return text


def _as_row(value: Any, where: str) -> Row:
    if not isinstance(value, dict):
        raise JuryError(f"expected a JSON object, got {type(value).__name__}", where=where)
    return Row(where, value)


def read_json_rows(path: Path) -> list[Row]:
    """JSONL (one object per line) or a JSON list of objects, told apart by the first character."""
    text = read_text(path)
    if text.lstrip().startswith("["):
        try:
            data = _loads(text)
        except json.JSONDecodeError as exc:
            raise JuryError(f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}") from None
        except _DuplicateField as exc:
            raise JuryError(f"field '{exc}' appears twice in one object", where=str(path)) from None
        if not isinstance(data, list):
            raise JuryError("expected a JSON list of objects", where=str(path))
        if not data:
            raise JuryError("the JSON list is empty", where=str(path))
        return [_as_row(value, f"{path}[{i}]") for i, value in enumerate(data)]
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        if len(line) > MAX_LINE_BYTES:
            raise JuryError(
                f"line is {len(line) / 1e6:.1f} MB long (limit {MAX_LINE_BYTES // 2**20} MB)",
                where=where,
                fix="JSONL needs one record per line; is this really a JSONL file?",
            )
        try:
            rows.append(_as_row(_loads(line), where))
        except _DuplicateField as exc:
            raise JuryError(
                f"field '{exc}' appears twice", where=where, fix="JSON keeps only the last; delete one"
            ) from None
        except json.JSONDecodeError as exc:
            hint = "the file looks truncated" if number == text.rstrip().count("\n") + 1 else None
            if number == 1 and line.strip() == "{":
                hint = "this looks like pretty-printed JSON: write one object per line, or a JSON list"
            raise JuryError(f"invalid JSON: {exc.msg} (column {exc.colno})", where=where, fix=hint) from None
    return rows


def _csv_records(path: Path, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(the line a record starts on, its cells). Strict: a stray opening quote makes one field of the
    rest of the file, which a lenient reader returns as one long cell and so loses every row after it;
    a strict one stops where the quoting breaks (a quote not followed by a delimiter, or the end of
    the file inside quotes), and the record's first line is where the stray quote sits."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            problem = "a quoted field is never closed" if "end of data" in str(exc) else f"malformed CSV: {exc}"
            raise JuryError(
                f"{problem} (a stray '\"' in the row starting on this line?)",
                where=f"{path}:{start}",
                fix='a field that opens with a quote must close with one; inside it, write a quote as two ("")',
            ) from None
        if cells:  # a blank line is not a record
            records.append((start, cells))


def read_csv_rows(path: Path) -> list[Row]:
    text = read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    records = _csv_records(path, text, delimiter)
    header_line, header = records[0] if records else (1, [])
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise JuryError(f"duplicate column '{duplicates[0]}'", where=f"{path}:{header_line}")
    rows = []
    for line, cells in records[1:]:
        where = f"{path}:{line}"
        if len(cells) > len(header):
            raise JuryError("row has more cells than the header", where=where)
        if len(cells) < len(header):
            raise JuryError("row has fewer cells than the header", where=where)
        rows.append(Row(where, dict(zip(header, cells, strict=True))))
    if not rows:
        raise JuryError("the CSV file has a header but no rows", where=str(path))
    return rows


def read_rows(path: Path) -> list[Row]:
    return read_csv_rows(path) if path.suffix.lower() in (".csv", ".tsv") else read_json_rows(path)


def text_field(
    row: Row, name: str, *, required: bool = True, is_id: bool = False, empty_ok: bool = False
) -> str | None:
    """A non-empty string field. Ids may also be integers (MT-Bench writes `question_id: 81`);
    any other type is refused rather than turned into text. `empty_ok`: an empty string is a value
    (a model's answer can be empty), though a missing or null field is still an error."""
    if name not in row.data or row.data[name] is None:
        if required:
            if empty_ok and name in row.data:
                raise JuryError(f"field '{name}' is null", where=row.where, fix='an empty answer is written ""')
            problem = "is missing" if empty_ok else "is missing or empty"
            raise JuryError(f"field '{name}' {problem}", where=row.where, fix=f"fields present: {_keys(row)}")
        return None
    value = row.data[name]
    allowed = (str, int) if is_id else (str,)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "text or an integer" if is_id else "text"
        raise JuryError(f"field '{name}' must be {kind}, got {type(value).__name__}", where=row.where)
    text = str(value)
    if required and not empty_ok and not text.strip():
        raise JuryError(f"field '{name}' is missing or empty", where=row.where)
    return text


def _keys(row: Row) -> str:
    names = sorted(map(str, row.data))
    return ", ".join(names[:8]) + (" ..." if len(names) > 8 else "") if names else "none"
