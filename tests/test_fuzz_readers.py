"""Fuzz every file the CLI reads: each input loads, or is refused with a JuryError, never another exception
(a traceback is a bug whatever the file held).

Each reader starts from a valid seed file (tests/fuzz_seeds.py) and gets mutations of it (tests/fuzz_inputs.py:
flipped bytes, truncation, stray quotes, braces and NULs, lost lines, values of another type, odd YAML scalars
under each key) and random bytes. The calls are the CLI's own: `jury validate` for tasks and panels, the
outputs import and board checks of `jury run` / `leaderboard submit`, `jury calibrate`'s labels, `jury label
--import`, `jury agreement`, `jury probe-injection --probes`, `leaderboard show`, `jury report` on run folders.

JURY_FUZZ_EXAMPLES sets the inputs per reader (default 50; every run tries the same inputs: derandomize);
JURY_FUZZ_COUNTS=FILE writes, per reader, how many inputs were tried, loaded and refused."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jury.errors import JuryError
from jury.io.formats.plain import parse_columns
from jury.io.human_labels import RunIdentity
from jury.io.label_exports import parse_winner_map
from jury.io.labels import load_labels
from jury.io.outputs import import_outputs
from jury.io.verdicts import load_verdicts
from jury.labels.importing import check_export, import_labels
from jury.labels.session import LabelSession
from jury.leaderboard.board import check_submission, load_board
from jury.leaderboard.standings import standings
from jury.panel.spec import validate_panel
from jury.records import Item
from jury.report.files import write_report
from jury.results.runlog import load_run, resolve_run_dir
from jury.tasks.catalog import looks_like_panel, validate_task
from jury.tasks.from_outputs import task_from_outputs
from jury.tasks.loader import load_task
from jury.workflows.injection_inputs import load_probes

from .fuzz_inputs import every_scalar_under_every_key, fuzzed
from .fuzz_seeds import write_seeds

EXAMPLES = int(os.environ.get("JURY_FUZZ_EXAMPLES", "50"))
COUNTS: dict[str, Counter[str]] = {}


@dataclass(frozen=True)
class Seeds:
    root: Path
    items: dict[str, tuple[Item, ...]]  # task seed -> its items, loaded once
    planned: RunIdentity  # the units a run of the seed run's items would judge (before it has a record)


Read = Callable[[Path, Seeds], list[Callable[[], Any]]]


@dataclass(frozen=True)
class Reader:
    name: str
    target: str  # the fuzzed file, relative to the seed folder
    kind: str  # json, jsonl, yaml, csv or text: how the seed is mutated
    read: Read  # the CLI's calls on a copy of the seed folder holding the fuzzed file, each checked alone
    scopes: tuple[str, ...] = field(default=())  # seed folders copied per input (default: the target's own)
    share: float = 1.0  # of JURY_FUZZ_EXAMPLES, for the slow: an lm-eval load, a board's bootstrap

    def folders(self) -> tuple[str, ...]:
        return self.scopes or (self.target.split("/")[0],)


def _validate(path: Path) -> None:
    """`jury validate PATH`: a panel when the YAML has `judges`, else a task."""
    if looks_like_panel(path):
        validate_panel(path)
    else:
        validate_task(path)


def _task(rel: str) -> Read:
    return lambda root, s: [lambda: _validate(root / rel)]


def _outputs(rel: str, task: str, *, instructions: bool = True) -> Read:
    """`jury run/judge --candidate-outputs` (and, for files that carry their instructions, without --task)
    and `leaderboard submit`'s check."""
    return lambda root, s: [
        lambda: import_outputs(root / rel, s.items[task]),
        lambda: import_outputs(root / rel, s.items[task], allow_partial=True),
        lambda: check_submission(root / rel, s.items[task]),
        *([lambda: task_from_outputs([root / rel])] if instructions else []),
    ]


def _run_folder(rel: str) -> Read:
    """`jury report RUN` (load, then re-render) and `jury label RUN` (the session reads the labels file)."""

    def calls(root: Path, s: Seeds) -> list[Callable[[], Any]]:
        folder = root / rel
        return [
            lambda: write_report(load_run(resolve_run_dir(str(folder)))),
            lambda: LabelSession(load_run(folder), labeller="zed", strategy="uniform", seed=0, sample=3, via="tty"),
        ]

    return calls


def _export(rel: str) -> Read:
    """`jury run --human-labels` (checked before the run) and `jury label RUN --import FILE`."""

    def calls(root: Path, s: Seeds) -> list[Callable[[], Any]]:
        path = root / rel
        return [
            lambda: check_export(path, s.planned),
            lambda: import_labels(load_run(root / "run"), path, labeller="x", winner_map="model_a=candidate"),
        ]

    return calls


def _board(root: Path, s: Seeds) -> list[Callable[[], Any]]:
    """`jury leaderboard show BOARD`."""
    return [lambda: standings(load_board(root / "board"))]


LM_EVAL, BOARD = 0.3, 0.5
CALIBRATE, VERDICTS, PROBES = "calibrate.jsonl", "verdicts.jsonl", ("probes.yaml", "probes.jsonl")
SAMPLES = "outputs/m/samples_mini_2026.jsonl"
BOARD_RUN = "board/results/20260101-000000-t-aaaaaa/run.json"
READERS = (
    Reader("task plain jsonl", "tasks/plain.jsonl", "jsonl", _task("tasks/plain.jsonl")),
    Reader("task plain csv", "tasks/plain.csv", "csv", _task("tasks/plain.csv")),
    Reader("task alpaca_eval json", "tasks/alpaca_eval.json", "json", _task("tasks/alpaca_eval.json")),
    Reader("task mt_bench", "tasks/mt_bench/question.jsonl", "jsonl", _task("tasks/mt_bench")),
    Reader("task arena_hard", "tasks/arena_hard/question.jsonl", "jsonl", _task("tasks/arena_hard")),
    Reader("task lm-eval yaml", "lm_eval/mini.yaml", "yaml", _task("lm_eval/mini.yaml"), share=LM_EVAL),
    Reader("task lm-eval data", "lm_eval/mini.jsonl", "jsonl", _task("lm_eval/mini.yaml"), share=LM_EVAL),
    Reader("panel yaml", "panel/test.yaml", "yaml", _task("panel/test.yaml")),
    Reader("panel prompt file", "panel/pairwise.txt", "text", _task("panel/test.yaml")),
    Reader("outputs plain jsonl", "outputs/plain.jsonl", "jsonl", _outputs("outputs/plain.jsonl", "plain")),
    Reader("outputs plain csv", "outputs/plain.csv", "csv", _outputs("outputs/plain.csv", "plain")),
    Reader("outputs alpaca_eval", "outputs/alpaca_eval.json", "json", _outputs("outputs/alpaca_eval.json", "plain")),
    Reader("outputs mt_bench", "outputs/mt_bench.jsonl", "jsonl",
           _outputs("outputs/mt_bench.jsonl", "mt_bench", instructions=False)),
    Reader("outputs arena_hard", "outputs/arena_hard.jsonl", "jsonl", _outputs("outputs/arena_hard.jsonl", "arena")),
    Reader("outputs lm-eval samples", SAMPLES, "jsonl", _outputs(SAMPLES, "lm_eval")),
    Reader("calibrate labels", CALIBRATE, "jsonl", lambda root, s: [lambda: load_labels(root / CALIBRATE)]),
    Reader("label export csv", "exports/labels.csv", "csv", _export("exports/labels.csv"), ("exports", "run")),
    Reader("label export jsonl", "exports/labels.jsonl", "jsonl", _export("exports/labels.jsonl"), ("exports", "run")),
    Reader("verdicts", VERDICTS, "jsonl", lambda root, s: [lambda: load_verdicts(root / VERDICTS)]),
    Reader("probes yaml", PROBES[0], "yaml", lambda root, s: [lambda: load_probes(root / PROBES[0])]),
    Reader("probes jsonl", PROBES[1], "jsonl", lambda root, s: [lambda: load_probes(root / PROBES[1])]),
    Reader("board.yaml", "board/board.yaml", "yaml", _board, share=BOARD),
    Reader("board submissions log", "board/submissions.jsonl", "jsonl", _board, share=BOARD),
    Reader("board run record", BOARD_RUN, "json", _board, share=BOARD),
    Reader("run.json", "run/run.json", "json", _run_folder("run")),
    Reader("run human labels", "run/human_labels.jsonl", "jsonl", _run_folder("run")),
    Reader("run.json version 2", "legacy/run.json", "json", _run_folder("legacy")),
    Reader("judgments.jsonl version 2", "legacy/judgments.jsonl", "jsonl", _run_folder("legacy")),
)  # fmt: skip


def _params(readers: tuple[Reader, ...]) -> list[Any]:
    return [pytest.param(r, id=r.name) for r in readers]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    root = write_seeds(tmp_path_factory.mktemp("seeds"))
    tasks = {"plain": "tasks/plain.jsonl", "mt_bench": "tasks/mt_bench", "arena": "tasks/arena_hard",
             "lm_eval": "lm_eval/mini.yaml"}  # fmt: skip
    units = load_run(root / "run").units
    planned = RunIdentity("(this run)", "", {u.unit_id: (u.item.item_id, u.turn) for u in units})
    with pytest.MonkeyPatch.context() as patch:
        _datasets_cache_in(tmp_path_factory.mktemp("hf-cache"), patch)
        return Seeds(root, {k: load_task(str(root / v)).items for k, v in tasks.items()}, planned)


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Any:
    """Print (and with JURY_FUZZ_COUNTS, write) how many inputs each reader got."""
    yield
    total = sum(c["inputs"] for c in COUNTS.values())
    for name, c in sorted(COUNTS.items()):
        print(f"fuzz {name}: {c['inputs']} inputs, {c['loaded']} loaded, {c['refused']} refused")
    print(f"fuzz total: {total} inputs over {len(COUNTS)} readers")
    if os.environ.get("JURY_FUZZ_COUNTS"):
        Path(os.environ["JURY_FUZZ_COUNTS"]).write_text(json.dumps({k: dict(v) for k, v in COUNTS.items()}, indent=1))


@pytest.fixture()
def offline_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _datasets_cache_in(tmp_path / "hf-cache", monkeypatch)


def _datasets_cache_in(folder: Path, patch: pytest.MonkeyPatch) -> None:
    """lm-eval caches every data file it loads: keep the fuzzed ones out of the user's cache."""
    patch.setenv("HF_DATASETS_OFFLINE", "1")  # as the loader sets them, before `datasets` is imported
    patch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    patch.setattr(datasets.config, "HF_DATASETS_CACHE", folder)


def _attempt(call: Callable[[], Any]) -> str | None:
    """None when the call loaded, the message when it refused with a JuryError; anything else propagates.
    The message is what the CLI prints: one line, whatever the file quoted in it held."""
    try:
        call()
    except JuryError as refused:
        line = refused.one_line()
        assert len(line.splitlines()) == 1, line
        return line
    return None


def _in_copy(reader: Reader, seeds: Seeds, data: bytes, base: Path) -> list[str]:
    """The refusals of the reader's calls on a copy of the seed folder holding `data` (none: it loaded)."""
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        root = Path(tmp)
        for folder in reader.folders():
            source = seeds.root / folder
            if source.is_dir():
                shutil.copytree(source, root / folder)
            else:
                shutil.copy(source, root / folder)
        (root / reader.target).write_bytes(data)
        return [m for m in map(_attempt, reader.read(root, seeds)) if m is not None]


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_every_seed_file_loads(reader: Reader, seeds: Seeds, tmp_path: Path, offline_datasets: None) -> None:
    """The fuzz starts from files that load: a mutation of a file refused anyway tests nothing deeper."""
    assert _in_copy(reader, seeds, (seeds.root / reader.target).read_bytes(), tmp_path) == []


@pytest.mark.parametrize("reader", _params(READERS))
def test_every_input_loads_or_is_refused_with_a_jury_error(
    reader: Reader, seeds: Seeds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_datasets: None
) -> None:
    monkeypatch.chdir(tmp_path)
    counts = COUNTS.setdefault(reader.name, Counter())
    seed = (seeds.root / reader.target).read_bytes()

    @_settings(max(5, round(EXAMPLES * reader.share)))
    @given(data=fuzzed(seed, reader.kind))
    def check(data: bytes) -> None:
        counts["inputs"] += 1
        counts["refused" if _in_copy(reader, seeds, data, tmp_path) else "loaded"] += 1

    check()
    assert counts["inputs"] >= 5


@pytest.mark.parametrize("parse", [parse_columns, parse_winner_map], ids=["--columns", "--winner-map"])
def test_option_strings_parse_or_are_refused(parse: Callable[[str], Any]) -> None:
    counts = COUNTS.setdefault(f"option {parse.__name__}", Counter())

    @_settings(EXAMPLES)
    @given(text=st.text() | st.sampled_from(["a=b", "prompt=q,id=", "=", ",,", "id=x,id=y", "model_a=candidate"]))
    def check(text: str) -> None:
        counts["inputs"] += 1
        counts["refused" if _attempt(lambda: parse(text)) else "loaded"] += 1

    check()


SWEPT = (
    Reader("panel yaml", "panel/test.yaml", "yaml", _task("panel/test.yaml")),
    Reader("probes yaml", PROBES[0], "yaml", lambda root, s: [lambda: load_probes(root / PROBES[0])]),
    Reader("board.yaml", "board/board.yaml", "yaml", lambda root, s: [lambda: load_board(root / "board")]),
    # an lm-eval load takes about a second: in the big run only (JURY_FUZZ_EXAMPLES above 200)
    *([Reader("task lm-eval yaml", "lm_eval/mini.yaml", "yaml", _task("lm_eval/mini.yaml"))] if EXAMPLES > 200 else []),
)  # fmt: skip


@pytest.mark.parametrize("reader", _params(SWEPT))
def test_every_yaml_scalar_under_every_key_loads_or_is_refused(
    reader: Reader, seeds: Seeds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_datasets: None
) -> None:
    """Each key of the seed holding each scalar YAML can spell (null, booleans, numbers no int holds, dates,
    tags, anchors, flow collections, braces): every one loads or is one JuryError line."""
    monkeypatch.chdir(tmp_path)
    counts = COUNTS.setdefault(f"{reader.name}, every scalar under every key", Counter())
    for data in every_scalar_under_every_key((seeds.root / reader.target).read_bytes()):
        counts["inputs"] += 1
        counts["refused" if _in_copy(reader, seeds, data, tmp_path) else "loaded"] += 1
    assert counts["loaded"] and counts["refused"]  # the sweep reaches past the parser and is refused too
