"""The contract of a virtual-factory server, and the thread that runs one beside the simulator.

A :class:`FactoryServer` opens its endpoint in ``start()`` (binding or connecting, under its
timeout), takes each machine's values in ``publish(values)`` and releases everything in
``stop()``. :class:`ServerThread` runs one in a thread of its own with its own event loop (the
simulator and the web server keep theirs): it reads the plant every ``update_s`` wall seconds
and publishes; a failing publish is logged once per change of outcome and retried on the next
tick, never ending the thread. ``stop()`` ends the loop, stops the server and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from smartfactory.errors import FactoryError, SimulationError
from smartfactory.sim.servers.values import MachineValues

__all__ = ["FactoryServer", "ServerThread"]

log = logging.getLogger(__name__)


class FactoryServer(Protocol):
    """One protocol endpoint of the virtual factory."""

    @property
    def endpoint(self) -> str:
        """Where clients find it (a URL, host:port); valid after ``start()``."""
        ...

    @property
    def port(self) -> int:
        """The bound (or broker) port; valid after ``start()``."""
        ...

    async def start(self) -> None:
        """Open the endpoint; raise a FactoryError when that fails."""
        ...

    async def publish(self, values: Sequence[MachineValues]) -> None:
        """Expose ``values``; raise a FactoryError (or OSError) when that fails."""
        ...

    async def stop(self) -> None:
        """Release the endpoint; safe to call twice."""
        ...


class ServerThread:
    """Runs a :class:`FactoryServer` fed by ``read`` in a background thread."""

    def __init__(
        self,
        server: FactoryServer,
        read: Callable[[], Sequence[MachineValues]],
        *,
        update_s: float = 0.5,
        timeout_s: float = 30.0,
    ) -> None:
        self.server = server
        self.read = read
        self.update_s = update_s
        self.timeout_s = timeout_s
        self.publishes = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="sim-server")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> None:
        """Start the thread and wait until the endpoint is open (or raise why it is not)."""
        self._thread.start()
        if not self._started.wait(self.timeout_s):
            self.stop()
            raise SimulationError("the protocol server did not start in time")
        if self._error is not None:
            self._thread.join(self.timeout_s)
            raise self._error

    def stop(self) -> None:
        """Stop publishing, close the endpoint and join the thread (safe to call twice)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(self.timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # reported to start(); the thread must end quietly
            self._error = err
            if self._started.is_set():
                log.error("virtual factory stopped: %s", err, exc_info=err)
        finally:
            self._started.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self.server.start()
        except BaseException:
            await self.server.stop()
            raise
        self._started.set()
        ok = True
        try:
            while not self._stop.is_set():
                try:
                    await self.server.publish(self.read())
                    self.publishes += 1
                    if not ok:
                        log.info("virtual factory: publishing again on %s", self.server.endpoint)
                    ok = True
                except (FactoryError, OSError, TimeoutError) as err:
                    self.failures += 1
                    if ok:
                        log.warning("virtual factory: publishing failed: %s", err)
                    ok = False
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.update_s):
                        await self._stop.wait()
        finally:
            await self.server.stop()
