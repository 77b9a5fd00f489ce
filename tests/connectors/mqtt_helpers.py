"""The Mosquitto broker of the tests, and a TCP relay to cut a client off from it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid

import pytest

BROKER = ("127.0.0.1", 1883)


def require_broker() -> None:
    """Skip (fail under CI=true) when the broker at 127.0.0.1:1883 is not reachable."""
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError as err:
        message = f"Mosquitto not reachable at {BROKER[0]}:{BROKER[1]}: {err}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def unique_path() -> str:
    """A fresh enterprise/site/area/line prefix, so tests never see each other's messages."""
    return f"sftest{uuid.uuid4().hex[:10]}/site/area/line"


class Relay:
    """Forwards 127.0.0.1:<port> to the broker; ``cut()`` drops every connection."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for w in list(self._writers):
            w.transport.abort()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            async with asyncio.timeout(5):
                b_reader, b_writer = await asyncio.open_connection(*BROKER)
        except (OSError, TimeoutError):
            writer.transport.abort()
            self._tasks.discard(task)
            return
        self._writers.add(b_writer)
        try:
            await asyncio.gather(_pipe(reader, b_writer), _pipe(b_reader, writer))
        finally:
            for w in (writer, b_writer):
                w.transport.abort()
                self._writers.discard(w)
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
