"""The numbers of a leaderboard, one row per model, each from the stats package: the run's win rate
with its CI, the length-controlled win rate, and Bradley-Terry ratings fitted on every model's
battles against the shared baseline. Rendering lives in render.py."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from jury.errors import JuryError
from jury.leaderboard.board import Board, Entry, current_entries, history
from jury.records import Preference
from jury.results.run_result import RunResult
from jury.results.runlog import load_run
from jury.stats.bradley_terry import bradley_terry_battles
from jury.stats.compare import vote_scores
from jury.stats.costs import usage_by_judge
from jury.stats.length_control_board import COLUMNS as LC_COLUMNS
from jury.stats.length_control_board import board_length_controlled
from jury.stats.ppi import HumanAnchoredWinRate
from jury.stats.winrate import WinRate

BT_ROUNDS = 500
_WINNER = {Preference.CANDIDATE: "model_a", Preference.BASELINE: "model_b", Preference.TIE: "tie"}


@dataclass(frozen=True)
class Standing:
    model: str
    run_id: str
    win_rate: WinRate
    lc_win_rate: float | None  # None: the length-control fit was not possible (reason in lc_note)
    lc_standard_error: float | None
    lc_note: str  # why the LC rate is missing, or which safeguard set it (capped, limited, no difficulty)
    elo: float | None
    elo_low: float | None
    elo_high: float | None
    n_items: int
    panel: str
    fleiss_kappa: float | None  # judge agreement on this model's items; None with one judge
    cost_usd: float
    submissions: int  # how many times this model was submitted (the history)
    # the human-anchored win rate (PPI++), when the submission's run folder holds human labels
    human: HumanAnchoredWinRate | None = None


@dataclass(frozen=True)
class Leaderboard:
    board: Board
    baseline: str
    task: str  # the task's name, as the runs recorded it
    panel: str
    standings: tuple[Standing, ...]  # best first
    bt_note: str  # why ratings are missing, when they are
    # bootstrap resamples in which some model never lost (or never won): fitted with pseudo-ties
    bt_degenerate_rounds: int = 0


def _lc_rows(model: str, r: RunResult) -> list[tuple[str, str, float, int, int, str]]:
    """One row per judged unit: the judged answers are a multi-turn vote's own turn, and a model's
    turns of one conversation share a cluster (the LC standard error is then cluster-robust)."""
    units = {u.unit_id: u for u in r.units}
    return [
        (model, i, x, len(units[i].candidate[-1]), len(units[i].baseline[-1]), f"{model}\x00{units[i].item.item_id}")
        for i, x in vote_scores(r.votes).items()
    ]


LcCell = tuple[float | None, float | None, str]  # LC rate, its standard error, a note (why it is missing)


def length_controlled_column(battles: pd.DataFrame) -> dict[str, LcCell]:
    """Every model's LC rate from one fit over the board's verdicts (one row per model and judged unit,
    stats.length_control_board.COLUMNS), so instruction difficulties and the priors on the length and
    difficulty weights are shared; a model whose fit fails gets None and the reason."""
    try:
        board = board_length_controlled(battles)
    except (ValueError, RuntimeError) as exc:
        return dict.fromkeys(pd.unique(battles["model"]), (None, None, str(exc)))
    out: dict[str, LcCell] = {m: (None, None, why) for m, why in board.failures.items()}
    for model, lc in board.rates.items():
        out[model] = (lc.value, lc.standard_error, "; ".join(n for n in (lc.note, board.note) if n))
    return out


def _length_controlled(runs: dict[str, RunResult]) -> dict[str, LcCell]:
    rows = [row for model, r in runs.items() for row in _lc_rows(model, r)]
    out: dict[str, LcCell] = dict.fromkeys(runs, (None, None, "no judged items"))
    if rows:
        out |= length_controlled_column(pd.DataFrame(rows, columns=list(LC_COLUMNS)))
    return out


def _battles(runs: dict[str, RunResult], baseline: str) -> pd.DataFrame:
    """One battle per judged unit; a model's turns of one conversation share a cluster, so the
    bootstrap resamples conversations (single-turn: every battle is its own cluster)."""
    rows = []
    for model, r in runs.items():
        item_of = {u.unit_id: u.item.item_id for u in r.units}
        rows += [
            (model, baseline, _WINNER[v.outcome], f"{model}\x00{item_of.get(v.unit_id, v.unit_id)}")
            for v in r.votes
            if v.outcome is not None
        ]
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner", "cluster"])


def _ratings(runs: dict[str, RunResult], baseline: str, seed: int) -> tuple[pd.DataFrame | None, str, int]:
    """The ratings table (None when the fit is impossible), why not, and the degenerate resamples."""
    if not runs:
        return None, "no submissions", 0
    try:
        fit = bradley_terry_battles(_battles(runs, baseline), anchor=baseline, n_rounds=BT_ROUNDS, seed=seed)
    except ValueError as exc:  # the fit's documented failure: no finite ratings exist for these battles
        return None, str(exc), 0
    return fit.table, "", fit.degenerate_rounds


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def standings(board: Board) -> Leaderboard:
    entries: dict[str, Entry] = current_entries(board)
    runs = {m: load_run(board.folder / "results" / e.run_id) for m, e in entries.items()}
    baselines = {r.baseline_name for r in runs.values()}
    if len(baselines) > 1:
        raise JuryError(f"the board's runs name different baselines: {sorted(baselines)}", where=str(board.folder))
    baseline = baselines.pop() if baselines else (board.baseline_name or "baseline")
    ratings, note, degenerate = _ratings(runs, baseline, board.seed)
    counts = {m: sum(e.model == m for e in history(board)) for m in entries}
    length_controlled = _length_controlled(runs)
    rows = []
    for model, r in runs.items():
        lc, lc_se, lc_note = length_controlled[model]
        elo = ratings.loc[model] if ratings is not None else None
        ag = r.stats.agreement
        rows.append(
            Standing(
                model=model,
                run_id=r.run_id,
                win_rate=r.stats.win_rate,
                lc_win_rate=lc,
                lc_standard_error=lc_se,
                lc_note=lc_note,
                elo=None if elo is None else float(elo["elo"]),
                elo_low=None if elo is None else float(elo["elo_low"]),
                elo_high=None if elo is None else float(elo["elo_high"]),
                n_items=r.stats.win_rate.n,
                panel=r.panel.name,
                fleiss_kappa=_opt(ag.fleiss.value) if ag is not None else None,
                cost_usd=sum(
                    u.cost_usd for u in usage_by_judge(r.judgments, [j.name for j in r.panel.judges]).values()
                ),
                submissions=counts[model],
                human=r.human.estimate if r.human is not None else None,
            )
        )
    rows.sort(key=lambda s: (s.elo if s.elo is not None else -math.inf, _opt(s.win_rate.value) or 0.0), reverse=True)
    task = next((r.spec.task.name for r in runs.values()), board.task)
    panel = next((r.panel.name for r in runs.values()), board.panel)
    return Leaderboard(board, baseline, task, panel, tuple(rows), note, degenerate)
