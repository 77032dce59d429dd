"""Which family a model belongs to: a judge of the candidate's own family may prefer it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from jury.models.local.registry import PROVIDER, local_models

_TABLE = Path(__file__).with_name("families.yaml")


@cache
def _rules() -> tuple[tuple[str, str], ...]:
    return tuple((r["prefix"].lower(), r["family"]) for r in yaml.safe_load(_TABLE.read_text(encoding="utf-8")))


def model_family(model: str) -> str | None:
    """The family of a litellm model string, or None when no rule knows it (no warning is then possible)."""
    if model.startswith(f"{PROVIDER}/"):
        spec = local_models().get(model.split("/", 1)[1])
        return spec.family if spec else None
    lowered = model.lower()
    for prefix, family in _rules():
        if lowered.startswith(prefix) or lowered.split("/", 1)[-1].startswith(prefix):
            return family
    return None
