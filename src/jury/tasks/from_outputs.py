"""A task made of the instructions that imported outputs files carry (AlpacaEval, Arena-Hard, plain
rows with an instruction column, lm-eval samples): `jury run --baseline-outputs chatgpt.json` needs
no task file when the answers already say what was asked. Only instructions every file answers are
judged; the task says how many each file had beyond them, so nothing is dropped without a word.
"""

from __future__ import annotations

import re
from pathlib import Path

from jury.errors import JuryError
from jury.io.formats.alpaca_eval import instruction_id
from jury.io.formats.plain import Columns
from jury.io.imported import OutputRow
from jury.io.outputs import read_output_rows
from jury.records import Item
from jury.tasks.loader import NATIVE_MAX_TOKENS, Task

FORMAT = "outputs"


def _instructions(path: Path, columns: Columns | None) -> list[OutputRow]:
    rows = read_output_rows(path, columns=columns)
    bare = next((r for r in rows if not (r.instruction or "").strip()), None)
    if bare is not None:
        raise JuryError(
            "the file's rows do not carry their instructions (MT-Bench answers, for one, name only question ids)",
            where=bare.where,
            fix="pass --task with the questions these answers are for",
        )
    multi = next((r for r in rows if len(r.turns) > 1), None)
    if multi is not None:
        raise JuryError(
            "a multi-turn answer does not carry every user turn",
            where=multi.where,
            fix="pass --task with the conversations",
        )
    return rows


def _item_ids(rows: list[OutputRow], shared: list[str]) -> dict[str, str]:
    """The first file's own ids when it has a unique one for every shared instruction, else a hash of the text."""
    by_text = {r.instruction.strip(): r.item_id for r in rows if r.instruction}
    ids = [by_text.get(text) for text in shared]
    if all(ids) and len(set(ids)) == len(ids):
        return dict(zip(shared, ids, strict=True))  # type: ignore[arg-type]
    return {text: instruction_id(text) for text in shared}


def task_from_outputs(paths: list[Path], columns: Columns | None = None, limit: int | None = None) -> Task:
    """The instructions every file answers, in the first file's order (then --limit)."""
    per_file = [_instructions(p, columns) for p in paths]
    texts = [[r.instruction.strip() for r in rows if r.instruction] for rows in per_file]
    common = set(texts[0]).intersection(*map(set, texts[1:]))
    shared = [t for t in dict.fromkeys(texts[0]) if t in common]
    if not shared:
        raise JuryError(
            f"the outputs files share no instruction ({', '.join(p.name for p in paths)})",
            fix="check that they answer the same instructions, or pass --task",
        )
    extra = [f"{len(set(t) - common)} only in {p.name}" for p, t in zip(paths, texts, strict=True) if set(t) - common]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", paths[-1].stem)[:60] or "outputs"
    ids = _item_ids(per_file[0], shared)
    every = tuple(Item(name, ids[text], text) for text in shared)
    # not judged, but answered in these very files: their rows are set aside, not unknown ids
    unshared = dict.fromkeys(t for file_texts in texts for t in file_texts if t not in common)
    left_out = every[limit:] if limit is not None else ()
    left_out += tuple(Item(name, instruction_id(text), text) for text in unshared)
    files = " and ".join(p.name for p in paths)
    note = f"the {len(shared)} instructions {'shared by' if len(paths) > 1 else 'of'} {files}"
    return Task(
        name=name,
        path=paths[-1],
        items=every[:limit],
        baseline_name=None,
        max_tokens=NATIVE_MAX_TOKENS,
        description=note + (f" ({'; '.join(extra)}: not judged)" if extra else ""),
        format=FORMAT,
        left_out=left_out,
    )
