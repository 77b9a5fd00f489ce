"""``smartfactory serve``: the API and web pages of a plant whose data lives in a database.

Server mode runs the web server and the ingest (``smartfactory ingest``) as separate
processes sharing one store, normally PostgreSQL. ``serve`` migrates the store once (unless
``--no-migrate``: then a store behind the code is refused), writes the plant's reference rows
for the SQL views, and starts uvicorn with ``--workers`` processes. Every worker builds its
application with :func:`app_factory`, which reads the settings from ``SF_`` variables *when
called* (the command passes its options to the workers that way): it opens its own store and
answers the live page from it (:class:`~smartfactory.store.live.StoreLiveSource`). There is no
simulator in this mode.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console

from smartfactory.api import create_app
from smartfactory.api.server import GRACEFUL_SHUTDOWN_S, make_server
from smartfactory.cli.common import URL_SCHEMES, open_database, plant_for
from smartfactory.decisions.planning import Planner
from smartfactory.decisions.replanning import app_appliers
from smartfactory.domain import Plant
from smartfactory.errors import FactoryError
from smartfactory.settings import Settings, get_settings
from smartfactory.store import PostgresStore, Store
from smartfactory.store.live import StoreLiveSource

__all__ = ["APP_FACTORY", "app_factory", "register"]

APP_FACTORY = "smartfactory.cli.serve_cmd:app_factory"
"""The import string uvicorn's workers build the application from."""


def sync_reference_rows(store: Store, plant: Plant) -> None:
    """Write the plant's machines and ideal cycle times for the SQL views (PostgreSQL only)."""
    if isinstance(store, PostgresStore):
        from smartfactory.store.postgres.plant import sync_plant  # noqa: PLC0415

        sync_plant(store, plant)


def _require_database(settings: Settings) -> str:
    if not settings.database:
        msg = "no database: give --database or set SF_DATABASE (a postgresql:// URL)"
        raise FactoryError(msg)
    return settings.database


def app_factory() -> FastAPI:
    """The application of one worker, from the ``SF_`` settings read now.

    Opens the store (``SF_DATABASE``, ``SF_PG_SCHEMA``), loads the plant (``SF_PLANT_FILE``,
    default the example plant) and closes the store when the application shuts down.
    """
    settings = get_settings()
    plant = plant_for(settings.plant_file)
    store = open_database(
        _require_database(settings), settings.pg_schema, migrate=settings.migrate_on_open
    )
    live = StoreLiveSource(store, plant, cache_s=settings.live_cache_s)
    # approving a maintenance decision re-plans production, as in the demo
    app = create_app(settings, plant, live, store, appliers=app_appliers(Planner(plant)))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(a):
                yield
        finally:
            store.close()

    app.router.lifespan_context = lifespan
    return app


def serve(
    database: Annotated[
        str | None, typer.Option(help="postgresql:// URL (or a DuckDB file); SF_DATABASE.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Plant file; SF_PLANT_FILE.")
    ] = None,
    schema: Annotated[str | None, typer.Option(help="PostgreSQL schema; SF_PG_SCHEMA.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes; SF_WORKERS.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Refuse a store with pending migrations.")
    ] = False,
) -> None:
    """Serve the API and web pages from a shared store, with several workers."""
    updates: dict[str, object] = {
        "database": database,
        "plant_file": config,
        "pg_schema": schema,
        "workers": workers,
        "host": host,
        "port": port,
    }
    if no_migrate:
        updates["migrate_on_open"] = False
    settings = get_settings().model_copy(update={k: v for k, v in updates.items() if v is not None})
    target = _require_database(settings)
    plant = plant_for(settings.plant_file)
    store = open_database(target, settings.pg_schema, migrate=settings.migrate_on_open)
    try:
        sync_reference_rows(store, plant)
    finally:
        store.close()
    # the workers read their settings from the environment (the factory is called there)
    os.environ["SF_DATABASE"] = target
    os.environ["SF_PG_SCHEMA"] = settings.pg_schema
    os.environ["SF_MIGRATE_ON_OPEN"] = "false"  # migrated above: workers only check
    if settings.plant_file is not None:
        os.environ["SF_PLANT_FILE"] = str(settings.plant_file.resolve())
    host_ = settings.host
    Console(stderr=True).print(
        f"[bold green]smartfactory serve[/] — {plant.site.name.en}: http://{host_}:"
        f"{settings.port} ({settings.workers} worker(s)); store {_public(target)}",
        highlight=False,
    )
    if settings.workers == 1:
        server = make_server(app_factory(), host_, settings.port, log_level="info")
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
            server.run()
        return
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host_,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_S),
    )


def _public(target: str) -> str:
    """``target`` without the user and password part of a URL."""
    if target.startswith(URL_SCHEMES):
        scheme, _, rest = target.partition("://")
        return f"{scheme}://{rest.rsplit('@', 1)[-1]}"
    return target


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
