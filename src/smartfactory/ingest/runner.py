"""Connectors and their pollers feeding a :class:`~.live.LiveIngest`, in a thread of their own.

:func:`tap` makes a connector hand every sample it returns (``read`` and ``receive``) to the
ingest before the poller sees it; samples of a machine that delivers a ``clock_ms`` point
(a device clock in epoch milliseconds: Modbus values carry no timestamp) are first restamped
with that clock, so the poller stores them at the device's time too. The poller keeps its
whole job: timeouts, back-off, write-ahead log, store delivery of the samples.

:class:`IngestRunner` runs one poller per connector in a background thread with its own event
loop, flushes the ingest's intervals and counts every ``flush_s`` seconds, and on ``stop()``
stops the pollers (each closes its connector and delivers what it holds), flushes once more
and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from smartfactory.connectors.base import Connector, Sample, Subscribable
from smartfactory.connectors.poller import Poller, PollerConfig
from smartfactory.errors import FactoryError
from smartfactory.ingest.live import LiveIngest
from smartfactory.store.base import SignalKey, Store

__all__ = ["IngestRunner", "restamp", "tap"]

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_POINT = "clock_ms"


def restamp(samples: Sequence[Sample]) -> list[Sample]:
    """Samples of machines that delivered a good ``<machine>/clock_ms``, stamped with it."""
    clocks: dict[str, datetime] = {}
    for s in samples:
        machine, _, point = s.tag.partition("/")
        if point == CLOCK_POINT and s.ok and not isinstance(s.value, bool | str):
            ms = float(s.value) if s.value is not None else math.nan
            if math.isfinite(ms) and 0 < ms < 253402300800000:  # before year 10000
                clocks[machine] = _EPOCH + timedelta(milliseconds=ms)
    if not clocks:
        return list(samples)
    return [
        replace(s, ts=clocks[m]) if (m := s.tag.partition("/")[0]) in clocks else s for s in samples
    ]


def tap(connector: Connector, observe: Callable[[Sequence[Sample]], None]) -> Connector:
    """``connector`` with its ``read`` (and ``receive``) passing samples through ``observe``."""
    read = connector.read

    async def tapped_read(tags: Sequence[str]) -> list[Sample]:
        return _seen(await read(tags), observe)

    setattr(connector, "read", tapped_read)  # noqa: B010 - an instance attribute on purpose
    if isinstance(connector, Subscribable):
        receive: Callable[[float], Awaitable[list[Sample]]] = connector.receive

        async def tapped_receive(max_wait_s: float) -> list[Sample]:
            return _seen(await receive(max_wait_s), observe)

        setattr(connector, "receive", tapped_receive)  # noqa: B010
    return connector


def _seen(samples: Sequence[Sample], observe: Callable[[Sequence[Sample]], None]) -> list[Sample]:
    out = restamp(samples)
    try:
        observe(out)
    except Exception:  # the live picture must never stop delivery to the store
        log.exception("live ingest failed on %d samples", len(out))
    return out


class IngestRunner:
    """Pollers of ``connectors`` (each with its signal keys) feeding ``ingest`` and ``store``."""

    def __init__(
        self,
        connectors: Sequence[tuple[Connector, Mapping[str, SignalKey]]],
        store: Store,
        ingest: LiveIngest,
        *,
        spill_dir: Path,
        rng: np.random.Generator,
        config: PollerConfig | None = None,
        flush_s: float = 1.0,
        timeout_s: float = 30.0,
    ) -> None:
        self.connectors = connectors
        self.store = store
        self.ingest = ingest
        self.spill_dir = spill_dir
        self.rng = rng
        self.config = config
        self.flush_s = flush_s
        self.timeout_s = timeout_s
        self.pollers: list[Poller] = []
        self._thread = threading.Thread(target=self._run, name="ingest")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start the pollers in the background."""
        self._thread.start()
        if not self._started.wait(self.timeout_s):
            raise FactoryError("the ingest did not start in time")

    def stop(self) -> None:
        """Stop the pollers, deliver and flush what they hold, join the thread."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(self.timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # kept for the caller; the thread ends quietly
            self.error = err
            log.exception("live ingest stopped with an error")
        finally:
            self._started.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        rngs = self.rng.spawn(len(self.connectors))
        for i, ((connector, keys), rng) in enumerate(zip(self.connectors, rngs, strict=True)):
            kind = type(connector).info.kind
            self.pollers.append(
                Poller(
                    tap(connector, self.ingest.observe),
                    keys,
                    self.store,
                    spill_dir=self.spill_dir / f"{i}-{kind}",
                    rng=rng,
                    config=self.config,
                    name=f"{kind}-{i}",
                )
            )
        tasks = [asyncio.create_task(p.run(), name=p.name) for p in self.pollers]
        self._started.set()
        try:
            while not self._stop.is_set() and not all(t.done() for t in tasks):
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.flush_s):
                        await self._stop.wait()
                self.ingest.flush()
        finally:
            for p in self.pollers:
                p.stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout_s):
                    await asyncio.gather(*tasks, return_exceptions=True)
            for t in tasks:
                t.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for poller, result in zip(self.pollers, results, strict=True):
                if isinstance(result, Exception):
                    log.error("connector %s stopped: %s", poller.name, result, exc_info=result)
            self.ingest.flush()
