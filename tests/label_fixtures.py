"""Run folders for the labelling tests, written directly as run logs (no model call): single-turn and
two-turn items, a two-judge panel whose votes split on some units, and optionally a hostile answer."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

from jury.labels.server import LabelServer
from jury.labels.session import LabelSession
from jury.panel.spec import JudgeSpec, PanelSpec
from jury.records import Item, Judgment, Preference
from jury.results.record import RunRecord, RunSpec, TaskInfo
from jury.results.run_result import RunResult, derive_result
from jury.results.runlog import RECORD_FILE, record_bytes
from jury.turns import output_of

from .report_fixtures import HOSTILE

C, B, T = Preference.CANDIDATE, Preference.BASELINE, Preference.TIE
# names that must never reach the labelling page (it is blind)
CANDIDATE_NAME, BASELINE_NAME, JUDGE_NAMES = "cand-model-x", "base-model-y", ("judge-p", "judge-q")
JUDGES = tuple(JudgeSpec(n, f"scripted/{n}", "pairwise", "", "", n) for n in JUDGE_NAMES)
PANEL = PanelSpec("test", Path("test.yaml"), "jury", "majority", "tie", JUDGES)


def _items(n_single: int, n_two_turn: int, hostile: bool) -> tuple[list[Item], dict[str, tuple[str, ...]]]:
    items, candidate = [], {}
    for i in range(1, n_single + 1):
        answer = HOSTILE if hostile and i == 1 else f"alpha {i}"
        items.append(Item("t", f"q{i}", f"Question {i}?", baseline=f"omega {i}"))
        candidate[f"q{i}"] = (answer,)
    for i in range(1, n_two_turn + 1):
        turns, base = (f"Chat {i}, first?", f"Chat {i}, second?"), (f"omega {i}.1", f"omega {i}.2")
        items.append(Item("t", f"c{i}", turns[0], baseline=base[0], turns=turns, baseline_turns=base))
        candidate[f"c{i}"] = (f"alpha {i}.1", f"alpha {i}.2")
    return items, candidate


def make_run(
    folder: Path, *, n_single: int = 6, n_two_turn: int = 0, hostile: bool = False, run_id: str = "run-a"
) -> RunResult:
    """The first judge prefers the candidate everywhere; the second agrees on even-numbered units and
    says baseline on odd ones, so the panel is split (a tie) on every other unit."""
    items, candidate = _items(n_single, n_two_turn, hostile)
    outputs = tuple(output_of(i, CANDIDATE_NAME, candidate[i.item_id]) for i in items)
    baseline = tuple(output_of(i, BASELINE_NAME, i.baseline_turns or (i.baseline or "",)) for i in items)
    spec = RunSpec(TaskInfo("t", "t.yaml", "jsonl", 32), CANDIDATE_NAME, BASELINE_NAME, PANEL)
    draft = RunRecord(run_id, "complete", spec, tuple(items), outputs, baseline, ())
    units = derive_result(draft, folder).units
    judgments = tuple(
        Judgment(u.unit_id, j.name, j.model, "pairwise", "candidate_first", C if j == JUDGES[0] or k % 2 == 0 else B)
        for k, u in enumerate(units)
        for j in JUDGES
    )
    record = RunRecord(run_id, "complete", spec, tuple(items), outputs, baseline, judgments)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RECORD_FILE).write_bytes(record_bytes(record) + b"\n")
    return derive_result(record, folder)


def label_rows(folder: Path) -> list[dict]:
    path = folder / "human_labels.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@contextlib.contextmanager
def serving(session: LabelSession) -> Iterator[LabelServer]:
    """The labelling server on a free port, from a thread."""
    server = LabelServer(session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
