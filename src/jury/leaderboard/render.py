"""leaderboard.md / .html / .csv and the terminal table: the standings rendered, nothing computed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from jury.leaderboard.standings import BT_ROUNDS, Leaderboard, Standing
from jury.report.csv_tables import to_csv
from jury.report.html_page import esc, page, section, table
from jury.report.markdown import md_cell, pct, wr_text
from jury.report.svg import Axis, CiBar, interval_chart, win_rate_chart

ANCHOR = 1000.0  # the baseline's Bradley-Terry rating (stats.bradley_terry's default base)
HEADER = ["rank", "model", "win rate (95% CI)", "LC win rate (± SE)", "Bradley-Terry (95% CI)", "items", "panel",
          "judge agreement (Fleiss' κ)", "cost", "submissions"]  # fmt: skip


HUMAN_MARK = "H "  # a win rate anchored to human labels (PPI++) instead of the panel's own
LC_MARK = " †"  # an LC rate a safeguard set (capped, limited) or that lacks a term: lc_note in the CSV says which


def _lc(s: Standing) -> str:
    if s.lc_win_rate is None:
        return f"n/a ({s.lc_note})"
    return f"{pct(s.lc_win_rate)} ± {pct(s.lc_standard_error)}" + (LC_MARK if s.lc_note else "")


def _elo(s: Standing) -> str:
    return "n/a" if s.elo is None else f"{s.elo:.0f} [{s.elo_low:.0f}, {s.elo_high:.0f}]"


def _win_rate(s: Standing) -> str:
    h = s.human
    if h is None:
        return wr_text(s.win_rate)
    return f"{HUMAN_MARK}{pct(h.estimate)} [{pct(h.ci_low)}, {pct(h.ci_high)}]"


def _row(rank: int, s: Standing) -> list[str]:
    kappa = "n/a" if s.fleiss_kappa is None else f"{s.fleiss_kappa:.2f}"
    return [str(rank), s.model, _win_rate(s), _lc(s), _elo(s), str(s.n_items), s.panel, kappa,
            f"${s.cost_usd:.4f}", str(s.submissions)]  # fmt: skip


def _intro(lb: Leaderboard) -> str:
    text = f"Task {lb.task}, baseline {lb.baseline} (the Bradley-Terry anchor, rated 1000), panel {lb.panel}."
    if lb.bt_degenerate_rounds:
        text += (
            f" In {lb.bt_degenerate_rounds} of {BT_ROUNDS} bootstrap resamples a model never lost or never won;"
            " they are fitted with a small pseudo-tie, and a CI bound far from the rating means the data do not"
            " bound it on that side."
        )
    anchored = [s for s in lb.standings if s.human is not None]
    if anchored:
        text += (
            f" {HUMAN_MARK.strip()}: the win rate is anchored to human labels (PPI++: "
            + ", ".join(f"{s.model} {s.human.n_labels} labels" for s in anchored if s.human)
            + "); the others' are their panel's own, which humans may not share."
        )
    if any(s.lc_note and s.lc_win_rate is not None for s in lb.standings):
        text += f" {LC_MARK.strip()} LC rate held by a safeguard or fitted without a term (lc_note in leaderboard.csv)."
    return text + (f" Bradley-Terry ratings unavailable: {lb.bt_note}." if lb.bt_note else "")


def render_markdown(lb: Leaderboard) -> str:
    lines = [f"# Leaderboard: {md_cell(lb.board.name)}", "", md_cell(_intro(lb), 2000), ""]
    lines += ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(md_cell(c) for c in _row(k, s)) + " |" for k, s in enumerate(lb.standings, 1)]
    return "\n".join(lines) + "\n"


def render_csv(lb: Leaderboard) -> str:
    header = ["rank", "model", "win_rate", "ci_low", "ci_high", "lc_win_rate", "lc_standard_error", "elo", "elo_low",
              "elo_high", "n_items", "panel", "fleiss_kappa", "cost_usd", "submissions", "run_id",
              "lc_note", "human_win_rate", "human_ci_low", "human_ci_high", "human_labels"]  # fmt: skip
    rows = [
        [k, s.model, s.win_rate.value, s.win_rate.ci_low, s.win_rate.ci_high, s.lc_win_rate, s.lc_standard_error,
         s.elo, s.elo_low, s.elo_high, s.n_items, s.panel, s.fleiss_kappa, s.cost_usd, s.submissions, s.run_id,
         s.lc_note, *((s.human.estimate, s.human.ci_low, s.human.ci_high, s.human.n_labels) if s.human else
                      (None, None, None, 0))]
        for k, s in enumerate(lb.standings, 1)
    ]  # fmt: skip
    return to_csv(header, rows)


def _rating_chart(lb: Leaderboard) -> str:
    rated = [s for s in lb.standings if s.elo is not None]
    if not rated:
        return ""
    bars = [CiBar(s.model, s.elo, s.elo_low, s.elo_high) for s in rated]  # type: ignore[arg-type]
    low = min([ANCHOR, *(b.low for b in bars)]) - 50
    high = max([ANCHOR, *(b.high for b in bars)]) + 50
    step = max(50, round((high - low) / 4 / 50) * 50)
    first = -(-int(low) // step) * step  # the first multiple of step inside the axis
    near = [float(t) for t in range(first, int(high) + 1, step) if abs(t - ANCHOR) >= step / 2]
    ticks = tuple(sorted({ANCHOR, *near}))  # the anchor is labelled; ticks crowding it are not
    axis = Axis(low, high, ANCHOR, ticks, "{:.0f}")
    return interval_chart(bars, f"Bradley-Terry rating (95% CI), {lb.baseline} = {ANCHOR:.0f}", "bt-rating", axis,
                          solid=False)  # fmt: skip


def render_html(lb: Leaderboard) -> str:
    rows = [_row(k, s) for k, s in enumerate(lb.standings, 1)]
    chart = win_rate_chart(
        [CiBar(s.model, s.win_rate.value, s.win_rate.ci_low, s.win_rate.ci_high) for s in lb.standings],
        f"Win rate vs {lb.baseline} (95% CI)",
    )
    lc = [s for s in lb.standings if s.lc_win_rate is not None]
    lc_chart = win_rate_chart(
        [CiBar(s.model, s.lc_win_rate, float("nan"), float("nan")) for s in lc],
        "Length-controlled win rate", "lc-win-rate",
    ) if lc else ""  # fmt: skip
    return page(
        f"Leaderboard: {lb.board.name}",
        [
            f"<h1>Leaderboard: {esc(lb.board.name)}</h1><p>{esc(_intro(lb))}</p>",
            section("Standings", table(HEADER, rows, numeric=(0, 5, 8, 9), cls="standings"), ident="standings"),
            section("Plots", chart, lc_chart, _rating_chart(lb), ident="plots"),
        ],
    )


def write_files(lb: Leaderboard) -> list[Path]:
    out = lb.board.folder
    files = {
        "leaderboard.md": render_markdown(lb),
        "leaderboard.html": render_html(lb),
        "leaderboard.csv": render_csv(lb),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return [out / n for n in files]


def print_table(lb: Leaderboard, console: Console) -> None:
    t = Table(title=f"leaderboard {lb.board.name} (baseline {lb.baseline})", title_justify="left")
    for h in HEADER:
        t.add_column(h, overflow="fold")
    for k, s in enumerate(lb.standings, 1):
        t.add_row(*(esc_rich(c) for c in _row(k, s)))
    console.print(t)
    if lb.bt_note:
        console.print(f"Bradley-Terry ratings unavailable: {lb.bt_note}", markup=False, highlight=False)


def esc_rich(text: str) -> str:
    """Model names are user input: rich markup in them must print as text."""
    from rich.markup import escape

    return escape(text)
