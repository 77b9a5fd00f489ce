"""Helpers shared by the commands: the plant to use, the workspace, and opening the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from smartfactory.config import example_plant, load_plant, write_example
from smartfactory.domain import Plant
from smartfactory.errors import ConfigError, FactoryError
from smartfactory.settings import get_settings
from smartfactory.store import DuckDBStore, PostgresStore, Store

__all__ = ["URL_SCHEMES", "open_cli_store", "open_database", "plant_for", "workspace_plant"]


def plant_for(config: Path | None) -> Plant:
    """The plant of ``config``, or the example plant when no file is given."""
    return load_plant(config) if config is not None else example_plant()


def workspace_plant(workspace: Path, config: Path | None) -> tuple[Plant, Path]:
    """The plant to run in ``workspace`` and the file it came from.

    That is ``config`` if given, else the workspace's ``plant.yaml``, written from the example
    on first use.
    """
    if config is not None:
        return load_plant(config), config
    path = workspace / "plant.yaml"
    if not path.exists():
        write_example(path)
    return load_plant(path), path


URL_SCHEMES = ("postgresql://", "postgres://")
"""How a PostgreSQL URL starts."""


def open_database(target: str, schema: str = "smartfactory", *, migrate: bool = True) -> Store:
    """The store at ``target``: a ``postgresql://`` URL (in ``schema``) or a DuckDB file."""
    if target.startswith(URL_SCHEMES):
        return PostgresStore(target, schema=schema, migrate=migrate)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBStore(path)


@contextmanager
def open_cli_store(target: str | None, *, fallback: Path | None = None) -> Iterator[Store]:
    """Open ``target``, else ``SF_DATABASE``, else ``fallback`` if that file exists; close after.

    A FactoryError while opening or inside the block ends the command with its message and
    exit status 2 (also when the Typer app is invoked directly, as tests do).
    """
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        settings = get_settings()
        where = target or settings.database
        if not where and fallback is not None and fallback.exists():
            where = str(fallback)
        if not where:
            msg = "no store: give --store or set SF_DATABASE (a postgresql:// URL or a DuckDB file)"
            raise ConfigError(msg)
        store = open_database(where, settings.pg_schema, migrate=settings.migrate_on_open)
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(2) from error
    try:
        yield store
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(2) from error
    finally:
        store.close()
