"""The application factory: :func:`create_app` wires settings, plant, live source and store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import smartfactory
from smartfactory.api.deps import AppContext
from smartfactory.api.errors import install_error_handlers
from smartfactory.api.routes import router as api_router
from smartfactory.api.streaming import StreamControl
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.settings import Settings
from smartfactory.store.base import Store

__all__ = ["API_PREFIX", "create_app"]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
"""Path prefix of every JSON route."""


def create_app(
    settings: Settings, plant: Plant, live: LiveSource, store: Store | None = None
) -> FastAPI:
    """Build the FastAPI application serving ``plant`` with live data from ``live``.

    JSON routes live under ``/api/v1`` (``/health``, ``/plant``, ``/live``, ``/live/stream``),
    the overview page at ``/`` and its assets under ``/static``. Run it with
    :func:`smartfactory.api.server.serve` so that open event streams end on shutdown.
    """
    streams = StreamControl()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logger.info("serving plant %s", plant.site.id)
        try:
            yield
        finally:
            streams.close()

    app = FastAPI(
        title=f"smartfactory — {plant.site.name.en}",
        version=smartfactory.__version__,
        description="Live state, OEE and maintenance of one plant.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = AppContext(
        settings=settings, plant=plant, live=live, store=store, streams=streams
    )
    install_error_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)
    # web imports api.deps, so importing it at the top would make a cycle
    from smartfactory.web import install_web  # noqa: PLC0415

    install_web(app)
    return app
