"""The excerpts under tests/data are what tests/data/make_excerpts.py cuts from the full public sets
(checked when those are present), and tests/data/README.md accounts for each of them."""

from __future__ import annotations

import gzip
import importlib.util
import time
from pathlib import Path

import pytest

from tests.conftest import EXCERPTS, SHARED_DATA

SCRIPT = EXCERPTS / "make_excerpts.py"
FOLDERS = ("alpaca_eval", "llmbar", "mt_bench")


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_excerpts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _committed() -> set[str]:
    return {p.relative_to(EXCERPTS).as_posix() for folder in FOLDERS for p in (EXCERPTS / folder).iterdir()}


def _content(path: Path) -> bytes:
    """What a reader sees: gzip headers may differ between zlib builds, the text may not."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def test_rebuilding_from_the_full_sets_gives_the_committed_excerpts(tmp_path):
    if not SHARED_DATA.is_dir():
        pytest.skip("the full public data sets are absent")
    written = _script().build(SHARED_DATA, tmp_path)
    rebuilt = {p.relative_to(tmp_path).as_posix() for p in written}
    assert rebuilt == _committed()
    for name in sorted(rebuilt):
        assert _content(tmp_path / name) == _content(EXCERPTS / name), name


def test_gzip_output_does_not_depend_on_the_time_or_the_file_name(tmp_path, monkeypatch):
    write_gzip = _script().write_gzip
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)
    write_gzip(tmp_path / "a.gz", "same text\n")
    monkeypatch.setattr(time, "time", lambda: 1_500_000_000.0)
    write_gzip(tmp_path / "b.gz", "same text\n")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.gz").read_bytes()) == b"same text\n"


def test_the_readme_names_every_excerpt_and_its_licence():
    readme = (EXCERPTS / "README.md").read_text(encoding="utf-8")
    missing = [name for name in sorted(_committed()) if f"`{name}`" not in readme]
    assert not missing, f"tests/data/README.md does not describe {missing}"
    for licence in ("Apache-2.0", "MIT", "CC-BY-4.0"):
        assert licence in readme
    assert (EXCERPTS / "licenses" / "Apache-2.0.txt").is_file() and (EXCERPTS / "licenses" / "LLMBar-MIT.txt").is_file()
