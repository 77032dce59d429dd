"""Where built-in tasks and panels live, and where a run keeps its state."""

from __future__ import annotations

import os
from pathlib import Path

from jury.errors import JuryError

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_dir(kind: str) -> Path:
    """`tasks` or `panels`: inside the wheel when installed, else the source checkout."""
    for candidate in (_PACKAGE_DIR / "builtin" / kind, _PACKAGE_DIR.parents[1] / kind):
        if candidate.is_dir():
            return candidate
    raise JuryError(f"the built-in '{kind}' folder is missing", fix="reinstall jury")


def jury_home(override: str | Path | None = None) -> Path:
    """State (cache database, run records) lives here: --store, $JURY_HOME, or ./.jury."""
    return Path(override or os.environ.get("JURY_HOME") or Path.cwd() / ".jury")


def resolve_named_file(name_or_path: str, kind: str, suffixes: tuple[str, ...]) -> Path:
    """A path as given, else a name looked up in ./<kind>/ and then the built-in folder."""
    direct = Path(name_or_path)
    if direct.is_file():
        return direct
    looked: list[str] = [str(direct)]
    for base in (Path.cwd() / kind, builtin_dir(kind)):
        for suffix in suffixes:
            for candidate in (base / f"{name_or_path}{suffix}", base / name_or_path / f"{name_or_path}{suffix}"):
                if candidate.is_file():
                    return candidate
                looked.append(str(candidate))
    known = sorted({p.stem for p in builtin_dir(kind).rglob("*") if p.suffix in suffixes})
    raise JuryError(
        f"no {kind[:-1]} named '{name_or_path}'",
        fix=f"give a file path or one of: {', '.join(known)}",
    )
