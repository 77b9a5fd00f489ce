"""Run an application with uvicorn so that Ctrl-C does not hang on open event streams.

uvicorn waits for open responses before it shuts down, and an event stream stays open until
the browser goes; :class:`Server` therefore closes the application's
:class:`~smartfactory.api.streaming.StreamControl` first, then shuts down as usual.

After a graceful shutdown on SIGINT or SIGTERM uvicorn raises the signal again with the
previous handler restored, which for SIGTERM is the default action: the process would die
before the caller's clean-up (the demo stops its simulator and decision threads and closes the
store after ``run()`` returns). :class:`Server` keeps the signals it stopped on in
:attr:`Server.stopped_by` instead, and ``run()`` simply returns.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from smartfactory.api.deps import AppContext
from smartfactory.settings import Settings

__all__ = ["GRACEFUL_SHUTDOWN_S", "Server", "make_server", "serve"]

GRACEFUL_SHUTDOWN_S = 5.0
"""Seconds uvicorn waits for open responses before cancelling them."""


class Server(uvicorn.Server):
    """A uvicorn server that ends the application's event streams when it shuts down."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.fastapi_app = app
        self.stopped_by: tuple[signal.Signals, ...] = ()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Uvicorn's signal handling, without raising the signals again on the way out."""
        with super().capture_signals():
            try:
                yield
            finally:
                self.stopped_by = tuple(signal.Signals(s) for s in self._captured_signals)
                self._captured_signals.clear()  # uvicorn would re-raise these after this block

    def close_streams(self) -> None:
        """End every open event stream of the application."""
        context = getattr(self.fastapi_app.state, "context", None)
        if isinstance(context, AppContext):
            context.streams.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Close the event streams, then shut down as uvicorn does."""
        self.close_streams()
        await super().shutdown(sockets=sockets)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0); 0 before startup."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return 0


def make_server(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    log_level: str = "warning",
    configure_logging: bool = True,
) -> Server:
    """A :class:`Server` for ``app`` on ``host``:``port`` (0 picks a free port).

    With ``configure_logging=False`` uvicorn leaves the logging configuration alone (tests).
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        log_config=LOGGING_CONFIG if configure_logging else None,
        timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_S),
        access_log=False,
    )
    return Server(config, app)


def serve(app: FastAPI, settings: Settings, *, log_level: str = "info") -> None:
    """Serve ``app`` on ``settings.host``:``settings.port`` until Ctrl-C (blocking)."""
    make_server(app, settings.host, settings.port, log_level=log_level).run()
