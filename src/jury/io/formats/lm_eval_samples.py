"""lm-eval's per-sample log (`--log_samples` writes samples_<task>_<date>.jsonl) as outputs.

Each line has `doc_id`, `doc`, `arguments` ({"gen_args_0": {"arg_0": prompt, "arg_1": gen
kwargs}}), `resps` (raw generations, [[text]]), `filtered_resps` (after the task's filters) and
`filter`. jury judges the raw generation: a filter may have cut the answer down to what a metric
needed (a regex match), which is not what a judge should read. A task with several filters logs
each document once per filter; those copies carry the same generation and count once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jury.errors import JuryError
from jury.io.imported import OutputRow
from jury.io.rows import Row


def _first_request(row: Row) -> dict[str, Any]:
    arguments = row.data.get("arguments")
    first = arguments.get("gen_args_0") if isinstance(arguments, dict) else None
    if not isinstance(first, dict) or not isinstance(first.get("arg_0"), str):
        raise JuryError("field 'arguments.gen_args_0.arg_0' (the prompt) is missing", where=row.where)
    if not isinstance(first.get("arg_1"), dict):
        raise JuryError(
            "this sample is not from a generative task (no generation arguments)",
            where=row.where,
            fix="only output_type: generate_until tasks produce text a judge can read",
        )
    return first


def _generation(row: Row) -> str:
    resps = row.data.get("resps")
    if isinstance(resps, list) and resps and isinstance(resps[0], list) and resps[0]:
        text = resps[0][0]
        if isinstance(text, str):
            return text
    raise JuryError("field 'resps' must hold the generation as [[text]]", where=row.where)


def outputs_from_rows(rows: Iterable[Row], model: str | None = None) -> list[OutputRow]:
    out: list[OutputRow] = []
    seen: dict[int, str] = {}
    for row in rows:
        doc_id = row.data.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, int):
            raise JuryError(f"field 'doc_id' must be an integer, got {type(doc_id).__name__}", where=row.where)
        prompt = _first_request(row)["arg_0"]
        text = _generation(row)
        if doc_id in seen:
            if seen[doc_id] == text:
                continue  # the same document logged again under another filter
            raise JuryError(f"doc_id {doc_id} appears twice with different generations", where=row.where)
        seen[doc_id] = text
        out.append(OutputRow(row.where, (text,), instruction=prompt, model=model, doc_id=doc_id))
    return out


def write(path: Path, samples: list[tuple[int, dict[str, Any], str, str]], target: str = "") -> None:
    """Write (doc_id, doc, prompt, generation) tuples the way lm-eval 0.4 logs them."""
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, doc, prompt, text in samples:
            record = {
                "doc_id": doc_id,
                "doc": doc,
                "target": target,
                "arguments": {"gen_args_0": {"arg_0": prompt, "arg_1": {"until": [], "max_gen_toks": 256}}},
                "resps": [[text]],
                "filtered_resps": [text],
                "filter": "none",
                "metrics": ["exact_match"],
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
