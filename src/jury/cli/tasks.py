"""`jury tasks list|show` and `jury validate`: parse, call jury.tasks.catalog, render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jury.tasks import catalog

tasks_app = typer.Typer(help="Tasks shipped with jury and in ./tasks.", no_args_is_help=True)
stdout = Console()


@tasks_app.command("list")
def list_tasks() -> None:
    """Every task found in ./tasks and the built-in folder."""
    table = Table("task", "source", "description", "path")
    for entry in catalog.list_tasks():
        table.add_row(entry.name, entry.source, entry.description, str(entry.path))
    stdout.print(table)


@tasks_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Task name or path.")],
    items: Annotated[int, typer.Option(min=0, help="How many items to print.")] = 3,
) -> None:
    """Load a task and print what jury will evaluate."""
    task = catalog.show_task(name)
    multi = sum(1 for i in task.items if i.turns)
    stdout.print(f"[bold]{task.name}[/]  {task.path}", highlight=False)
    if task.description:
        stdout.print(task.description, markup=False, highlight=False)
    stdout.print(
        f"format {task.format} · {len(task.items)} items ({multi} multi-turn) · "
        f"baseline {task.baseline_name or 'none (pass --baseline-outputs)'} · max tokens {task.max_tokens}",
        markup=False,
        highlight=False,
    )
    for item in task.items[:items]:
        turns = item.turns or (item.prompt,)
        stdout.print(f"- {item.item_id}: " + " / ".join(turns), markup=False, highlight=False)


def validate(path: Annotated[Path, typer.Argument(help="A task (YAML or data file) or a panel YAML.")]) -> None:
    """Load a task or panel fully and report the first problem with its file and line."""
    if catalog.looks_like_panel(path):
        from jury.panel.spec import validate_panel

        name, summary = validate_panel(path)
        stdout.print(f"ok: panel '{name}' ({summary})", markup=False, highlight=False)
        return
    result = catalog.validate_task(path)
    stdout.print(f"ok: {result.kind} '{result.name}' ({result.summary})", markup=False, highlight=False)
