"""`jury leaderboard submit|show`: parse, call jury.leaderboard, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

leaderboard_app = typer.Typer(help="Leaderboards: submit a model's outputs to a board, show the ranking.")
console = Console()


@leaderboard_app.command()
def submit(
    board: Annotated[str, typer.Option(help="Board folder (holding board.yaml), or a name under ./boards/.")],
    outputs: Annotated[Path, typer.Option(help="The model's outputs file, one answer per board item.")],
    model: Annotated[str, typer.Option(help="Name the model appears under.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace this model's entry (history is kept).")] = False,
    store: Annotated[Path | None, typer.Option(help="State folder (cache of model calls).")] = None,
) -> None:
    """Validate a submission, judge it against the board's baseline with the board's panel, re-rank.

    The outputs file must answer every board item exactly once (ids or instruction texts); the
    submitted file is kept in the board folder, and a model already on the board needs --replace.
    A run that lost any verdict to a failed model call (or gave none) is reported but not ranked:
    submit again, and only the failed calls are made again.

    **Examples**

    `jury leaderboard submit --board boards/my-board --outputs my_model.jsonl --model my-model-v1`

    `jury leaderboard submit --board boards/my-board --outputs v2.json --model my-model-v1 --replace`
    """
    from jury.leaderboard.board import load_board
    from jury.leaderboard.board import submit as submit_outputs
    from jury.leaderboard.render import print_table, write_files
    from jury.leaderboard.standings import standings
    from jury.report.markdown import wr_text

    spec = load_board(board)
    entry, result = submit_outputs(spec, outputs, model, replace=replace, store=store)
    console.print(
        f"judged {entry.model}: win rate {wr_text(result.stats.win_rate)} (run {entry.run_id})",
        markup=False,
        highlight=False,
    )
    lb = standings(spec)
    write_files(lb)
    print_table(lb, console)


@leaderboard_app.command()
def show(board: Annotated[str, typer.Argument(help="Board folder, or a name under ./boards/.")]) -> None:
    """Print the ranking and write leaderboard.md / .html / .csv in the board folder (no model call)."""
    from jury.leaderboard.board import load_board
    from jury.leaderboard.render import print_table, write_files
    from jury.leaderboard.standings import standings

    lb = standings(load_board(board))
    for path in write_files(lb):
        console.print(f"wrote {path}", markup=False, highlight=False)
    print_table(lb, console)
