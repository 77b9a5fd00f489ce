"""The ``smartfactory`` Typer application and its entry point.

Every :class:`~smartfactory.errors.FactoryError` ends the command with a clear message on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console

from smartfactory import __version__
from smartfactory.cli import (
    bench_cmd,
    connectors_cmd,
    demo_cmd,
    import_cmd,
    kpi_cmd,
    plant_cmd,
    simulate_cmd,
)
from smartfactory.errors import FactoryError

__all__ = ["app", "main"]

app = typer.Typer(
    name="smartfactory",
    help="Open Smart Factory 3.0: connect, measure, predict, decide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plant_cmd.register(app)
simulate_cmd.register(app)
demo_cmd.register(app)
kpi_cmd.register(app)
bench_cmd.register(app)
connectors_cmd.register(app)
import_cmd.register(app)


@app.command()
def version() -> None:
    """Print the smartfactory version."""
    typer.echo(__version__)


def main() -> None:
    """Run the command line; FactoryError becomes a message and exit status 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except FactoryError as err:
        Console(stderr=True).print(f"[bold red]error:[/] {err}", highlight=False)
        sys.exit(2)
