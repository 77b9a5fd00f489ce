"""Server-sent events: the live snapshot pushed to browsers, and a switch that ends every stream.

An event stream never finishes by itself, and uvicorn waits for open responses before it shuts
down (and before it runs the application's lifespan shutdown), so a stream must watch
:class:`StreamControl`, which :class:`smartfactory.api.server.Server` closes first thing on
shutdown. A client that disconnects ends its stream too (Starlette cancels the response).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable

import anyio

__all__ = ["StreamControl", "sse_events"]

_POLL_S = 0.1


class StreamControl:
    """A thread-safe "server is stopping" flag that open event streams watch."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed.is_set()

    def close(self) -> None:
        """Ask every open stream to end now (idempotent, callable from any thread)."""
        self._closed.set()

    async def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True as soon as the control is closed."""
        deadline = time.monotonic() + seconds
        while not self._closed.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await anyio.sleep(min(_POLL_S, left))
        return True


def _frame(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


async def sse_events(
    produce: Callable[[], str],
    control: StreamControl,
    interval_s: float,
    *,
    event: str = "snapshot",
    retry_ms: int = 2000,
) -> AsyncIterator[str]:
    """Yield an SSE frame with ``produce()`` (run in a worker thread) every ``interval_s``.

    Ends when ``control`` closes; the caller's response is cancelled when the client leaves.
    """
    yield f"retry: {retry_ms}\n\n"
    while not control.closed:
        data = await anyio.to_thread.run_sync(produce)
        yield _frame(event, data)
        if await control.wait(interval_s):
            break
