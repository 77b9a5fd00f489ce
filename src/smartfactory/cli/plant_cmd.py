"""``smartfactory init`` and ``smartfactory check``: write and validate plant files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from smartfactory.config import load_plant, write_example

__all__ = ["register"]

PlantPath = Annotated[Path, typer.Argument(help="Plant file (YAML).")]


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the plant file.")] = Path(
        "plant.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write an example plant file (18 machines, 3 lines) to edit for your own plant."""
    written = write_example(path, overwrite=force)
    plant = load_plant(written)
    machines = sum(1 for _ in plant.machines())
    Console().print(
        f"wrote [bold]{written}[/]: {plant.enterprise.name.en} / {plant.site.name.en}, "
        f"{machines} machines. Check it with [bold]smartfactory check {written}[/]."
    )


def check(path: PlantPath) -> None:
    """Validate a plant file and summarise it; errors name the line and the field."""
    plant = load_plant(path)
    console = Console()
    console.print(f"[green]ok[/] {path}: {plant.enterprise.name.en} / {plant.site.name.en}")
    for area, line in plant.lines():
        ids = ", ".join(m.id for m in line.machines)
        console.print(f"  {area.id} / {line.id}: {len(line.machines)} machines ({ids})")
    console.print(
        f"  products: {', '.join(p.id for p in plant.products)}; "
        f"shifts: {', '.join(s.name for s in plant.site.calendar.shifts)}"
    )


def register(app: typer.Typer) -> None:
    """Add the plant-file commands to ``app``."""
    app.command("init")(init)
    app.command("check")(check)
