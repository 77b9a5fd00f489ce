"""``smartfactory migrate``: the explicit admin path for PostgreSQL schema migrations.

``smartfactory migrate --database URL`` applies pending Alembic revisions (adopting a
database of the earlier hand-rolled migrations); ``--check`` only reports the current
revision and what is pending, with exit status 1 when something is (for deploy scripts).
A database newer than this smartfactory ends the command with exit status 2.
"""

from __future__ import annotations

import json
from typing import Annotated

import psycopg
import typer
from rich.console import Console

from smartfactory.errors import FactoryError, StoreError
from smartfactory.settings import get_settings
from smartfactory.store.postgres import schema as ddl

__all__ = ["register"]


def migrate(
    database: Annotated[
        str | None, typer.Option(help="postgresql:// URL of the database; SF_DATABASE.")
    ] = None,
    schema: Annotated[str | None, typer.Option(help="PostgreSQL schema; SF_PG_SCHEMA.")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report pending migrations (exit 1 if any).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Apply (or, with --check, list) pending migrations of a PostgreSQL store."""
    settings = get_settings()
    url = database or settings.database
    name = schema or settings.pg_schema
    if not url or not url.startswith(("postgresql://", "postgres://")):
        msg = "migrate needs a postgresql:// URL (--database or SF_DATABASE)"
        raise FactoryError(msg)

    def connect() -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)

    try:
        with connect() as con:
            before = ddl.current_revision(con, name)
            todo = ddl.pending(con, name)
    except psycopg.Error as err:
        msg = f"cannot read the schema of {name!r}: {err}"
        raise StoreError(msg) from err
    applied: list[str] = []
    if not check and todo:
        ddl.migrate(connect, name)
        applied = todo
    report = {
        "schema": name,
        "current": before,
        "head": ddl.HEAD,
        "pending": [] if applied else todo,
        "applied": applied,
    }
    if as_json:
        typer.echo(json.dumps(report))
    else:
        out = Console()
        if applied:
            out.print(f"schema {name}: applied {', '.join(applied)}; now at {ddl.HEAD}")
        elif todo:
            out.print(f"schema {name}: at {before or 'nothing'}; pending {', '.join(todo)}")
        else:
            out.print(f"schema {name}: up to date at {ddl.HEAD}")
    if check and todo:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to ``app``."""
    app.command("migrate")(migrate)
