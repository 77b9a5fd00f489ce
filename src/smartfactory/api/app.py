"""The application factory: :func:`create_app` wires settings, plant, live source and store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import smartfactory
from smartfactory.api.auth.deps import current_user
from smartfactory.api.auth.service import Accounts
from smartfactory.api.deps import AppContext
from smartfactory.api.errors import install_error_handlers
from smartfactory.api.routes import public_router
from smartfactory.api.routes import router as api_router
from smartfactory.api.streaming import StreamControl
from smartfactory.decisions.log import DecisionKind
from smartfactory.decisions.service import Applier
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.settings import Settings
from smartfactory.store.base import Store

__all__ = ["API_PREFIX", "create_app"]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
"""Path prefix of every JSON route."""


def create_app(
    settings: Settings,
    plant: Plant,
    live: LiveSource,
    store: Store | None = None,
    *,
    accounts: Accounts | None = None,
    maintenance: LiveMaintenance | None = None,
    appliers: Mapping[DecisionKind, Applier] | None = None,
) -> FastAPI:
    """Build the FastAPI application serving ``plant`` with live data from ``live``.

    JSON routes live under ``/api/v1`` (``/health``, ``/plant``, ``/live``, ``/live/stream``),
    the overview page at ``/`` and its assets under ``/static``. Users, sessions and tokens
    live in ``accounts`` (default: in ``store``); every route but ``GET /api/v1/health``,
    ``POST /api/v1/auth/login``, the sign-in page and static files needs a signed-in user.
    ``maintenance`` is the live health/RUL service whose readings the maintenance routes
    show, and ``appliers`` what approving a decision does (the decision engine's appliers
    also re-plan production). Run it with :func:`smartfactory.api.server.serve` so that open
    event streams end on shutdown.
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
        openapi_url=None,  # served below, behind sign-in
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = AppContext(
        settings=settings,
        plant=plant,
        live=live,
        store=store,
        streams=streams,
        accounts=accounts if accounts is not None else Accounts(store),
        maintenance=maintenance,
        appliers=appliers,
    )
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(public_router, prefix=API_PREFIX)
    app.include_router(api_router, prefix=API_PREFIX)
    _install_docs(app)
    # web imports api.deps, so importing it at the top would make a cycle
    from smartfactory.web import install_web  # noqa: PLC0415

    install_web(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """The OpenAPI schema, for signed-in users only.

    There is no interactive docs page: FastAPI's loads its scripts from a CDN, and plants run
    offline. Load the schema into any OpenAPI viewer instead.
    """
    signed_in = [Depends(current_user)]

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False, dependencies=signed_in)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())


class SecurityHeaders:
    """Add ``nosniff`` and a same-origin referrer policy to every HTTP response (pure ASGI)."""

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
