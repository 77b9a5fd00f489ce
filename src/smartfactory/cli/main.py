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
    assess_cmd,
    bench_cmd,
    connectors_cmd,
    decisions_cmd,
    demo_cmd,
    export_cmd,
    import_cmd,
    ingest_cmd,
    kpi_cmd,
    migrate_cmd,
    models_cmd,
    plant_cmd,
    quarantine_cmd,
    report_cmd,
    serve_cmd,
    sim_server_cmd,
    simulate_cmd,
    users_cmd,
    workorders_cmd,
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
serve_cmd.register(app)
ingest_cmd.register(app)
migrate_cmd.register(app)
export_cmd.register(app)
import_cmd.register(app)
quarantine_cmd.register(app)
assess_cmd.register(app)
report_cmd.register(app)
models_cmd.register(app)
sim_server_cmd.register(app)
users_cmd.register(app)
workorders_cmd.register(app)
decisions_cmd.register(app)


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
