"""Read model outputs from a file: kept as the small API the pipeline calls; the formats and the
matching rules live in jury.tasks (formats.py, imported.py)."""

from __future__ import annotations

from pathlib import Path

from jury.io.formats.plain import Columns
from jury.io.imported import ImportedOutputs
from jury.records import Item
from jury.tasks.formats import load_outputs_file


def load_outputs(path: Path, items: tuple[Item, ...]) -> dict[str, str]:
    """Map item_id -> output text for every item; refuse partial or ambiguous files."""
    return load_outputs_file(path, items).texts


def import_outputs(
    path: Path, items: tuple[Item, ...], *, columns: Columns | None = None, allow_partial: bool = False
) -> ImportedOutputs:
    return load_outputs_file(path, items, columns=columns, allow_partial=allow_partial)
