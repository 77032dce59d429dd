"""Outputs imported from a file, matched to task items by id or by instruction text.

Every format module turns its rows into `OutputRow`s; `match_outputs` is the one place that
decides which item a row belongs to, so every format refuses the same mistakes the same way:
duplicates, rows for items the task does not have, and missing items unless the user asked for a
partial run.
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


def _index(items: Sequence[Item]) -> tuple[dict[str, Item], dict[str, list[Item]], dict[int, Item]]:
    by_prompt: dict[str, list[Item]] = {}
    for i in items:
        by_prompt.setdefault(i.prompt.strip(), []).append(i)
    by_doc = {i.metadata["doc_id"]: i for i in items if isinstance(i.metadata.get("doc_id"), int)}
    return {i.item_id: i for i in items}, by_prompt, by_doc


def match_outputs(
    rows: Sequence[OutputRow],
    items: tuple[Item, ...],
    path: Path,
    allow_partial: bool = False,
    left_out: tuple[Item, ...] = (),
) -> ImportedOutputs:
    """Every row must answer an item of the task: `items` (the ones judged) or `left_out` (the task's
    items this run does not judge, e.g. beyond --limit), whose rows are checked and then set aside.
    A row for any other item is refused: it is a file for another task or version, or ids that went
    wrong, and a run that quietly ignored it would judge a file the user did not mean."""
    by_id, by_prompt, by_doc = _index((*items, *left_out))
    judged = {i.item_id for i in items}
    found: dict[str, OutputRow] = {}
    unmatched: list[OutputRow] = []
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
            unmatched.append(row)
            continue
        if item.item_id in found:
            raise JuryError(
                f"duplicate output for item '{item.item_id}' (first at {found[item.item_id].where})",
                where=row.where,
                fix="keep one row per item",
            )
        found[item.item_id] = row
    missing = tuple(i.item_id for i in items if i.item_id not in found)
    if missing and not allow_partial:
        listed = [_row_name(r) for r in unmatched]
        detail = f"; rows matching no item: {_listing(listed)}" if unmatched else ""
        raise JuryError(
            f"no output for {len(missing)} task item(s): {_listing(missing)} (of {len(items)}){detail}",
            where=str(path),
            fix="match rows by 'id' or exact 'instruction' text, or pass --allow-partial to drop those items",
        )
    if unmatched:
        first = unmatched[0]
        more = f" ({len(unmatched)} such rows)" if len(unmatched) > 1 else ""
        raise JuryError(
            f"the row for {_row_name(first, quoted=True)} matches no item of the task{more}",
            where=first.where,
            fix="remove rows for items the task does not have, or check the ids (or pass the task they belong to)",
        )
    found = {k: r for k, r in found.items() if k in judged}
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


def _row_name(row: OutputRow, quoted: bool = False) -> str:
    """How an error names a row: its id, lm-eval doc_id or instruction, else where it is."""
    if row.item_id:
        return f"id '{_short(row.item_id)}'" if quoted else row.item_id
    if row.doc_id is not None:
        return f"doc_id {row.doc_id}"
    if row.instruction:
        return f"the instruction '{_short(row.instruction)}'" if quoted else row.instruction
    return row.where
