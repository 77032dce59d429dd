"""Outputs imported from a file, matched to task items by id or by instruction text.

Every format module turns its rows into `OutputRow`s; `match_outputs` is the one place that
decides which item a row belongs to, so every format refuses the same mistakes the same way:
duplicates, rows that match nothing while items go unanswered, and missing items unless the
user asked for a partial run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jury.errors import JuryError
from jury.records import Item
from jury.turns import answer_text


@dataclass(frozen=True)
class OutputRow:
    where: str
    turns: tuple[str, ...]  # one answer per user turn; single-turn files have exactly one
    item_id: str | None = None
    instruction: str | None = None
    model: str | None = None
    # lm-eval's row number in the task's documents; items loaded from lm-eval YAML carry it
    # as metadata["doc_id"], which identifies a row even when the prompt text was templated.
    doc_id: int | None = None

    @property
    def text(self) -> str:
        return self.turns[0]


@dataclass(frozen=True)
class ImportedOutputs:
    path: Path
    model: str | None  # the generator named inside the file, if it names one
    texts: dict[str, str]  # item_id -> the answer (every turn's, labelled, for multi-turn items)
    turns: dict[str, tuple[str, ...]]  # item_id -> answer to every turn
    missing: tuple[str, ...] = ()  # items without an output (only when partial was allowed)


def _short(value: str) -> str:
    """Row content quoted in an error: one line, bounded, whatever the file holds."""
    flat = " ".join(value.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."


def _listing(values: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(_short(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def match_outputs(
    rows: Sequence[OutputRow], items: tuple[Item, ...], path: Path, allow_partial: bool = False
) -> ImportedOutputs:
    """Rows for items outside the task (or outside --limit) are ignored, but only while every
    item finds its output; once items go missing the unmatched rows are listed as the likely cause."""
    by_id = {i.item_id: i for i in items}
    by_prompt: dict[str, list[Item]] = {}
    for i in items:
        by_prompt.setdefault(i.prompt.strip(), []).append(i)
    by_doc = {i.metadata["doc_id"]: i for i in items if isinstance(i.metadata.get("doc_id"), int)}
    found: dict[str, OutputRow] = {}
    unmatched: list[str] = []
    for row in rows:
        item = by_id.get(row.item_id) if row.item_id is not None else None
        if item is None and row.doc_id is not None:
            item = by_doc.get(row.doc_id)
        if item is None and row.instruction is not None:
            same = by_prompt.get(row.instruction.strip(), [])
            if len(same) > 1:
                raise JuryError(
                    f"the instruction '{_short(row.instruction)}' matches {len(same)} items "
                    f"({_listing([i.item_id for i in same])})",
                    where=row.where,
                    fix="give this file an id column so rows match by id",
                )
            item = same[0] if same else None
        if item is None:
            doc = f"doc_id {row.doc_id}" if row.doc_id is not None else None
            unmatched.append(row.item_id or doc or row.instruction or row.where)
            continue
        if item.item_id in found:
            raise JuryError(
                f"duplicate output for item '{item.item_id}' (first at {found[item.item_id].where})",
                where=row.where,
                fix="keep one row per item",
            )
        empty = [n for n, t in enumerate(row.turns, start=1) if not t.strip()]
        if empty:
            which = f"turn {empty[0]} of the output" if len(row.turns) > 1 else "the output"
            raise JuryError(f"{which} for item '{item.item_id}' is empty", where=row.where)
        found[item.item_id] = row
    missing = tuple(i.item_id for i in items if i.item_id not in found)
    if missing and not allow_partial:
        detail = f"; rows matching no item: {_listing(unmatched)}" if unmatched else ""
        raise JuryError(
            f"no output for {len(missing)} task item(s): {_listing(missing)} (of {len(items)}){detail}",
            where=str(path),
            fix="match rows by 'id' or exact 'instruction' text, or pass --allow-partial to drop those items",
        )
    if not found:
        raise JuryError(f"none of the {len(rows)} rows matches a task item", where=str(path))
    texts = {k: answer_text(by_id[k], r.turns, r.where) for k, r in found.items()}
    models = sorted({r.model for r in found.values() if r.model})
    return ImportedOutputs(
        path=path,
        model=models[0] if len(models) == 1 else None,
        texts=texts,
        turns={k: r.turns for k, r in found.items()},
        missing=missing,
    )
