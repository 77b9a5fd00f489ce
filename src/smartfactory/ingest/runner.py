"""Connectors and their pollers feeding a :class:`~.live.LiveIngest`, in a thread of their own.

:func:`tap` makes a connector hand every sample it returns (``read``, and ``receive_batch``
when it has the columnar fast path, else ``receive``) to the ingest before the poller sees it,
so a tapped MQTT connector keeps the poller's fast path; samples of a machine that delivers a
``clock_ms`` point (a device clock in epoch milliseconds: Modbus values carry no timestamp) are
first restamped with that clock, so the poller stores them at the device's time too. The
poller keeps its whole job: timeouts, back-off, write-ahead log, store delivery of the samples.

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
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.connectors.base import (
    BatchSubscribable,
    Connector,
    Sample,
    SampleBatch,
    Subscribable,
)
from smartfactory.connectors.poller import Poller, PollerConfig
from smartfactory.errors import FactoryError
from smartfactory.ingest.live import LiveIngest
from smartfactory.store.base import SignalKey, Store

__all__ = ["IngestRunner", "restamp", "restamp_batch", "tap"]

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_POINT = "clock_ms"


def _clock(machine_point: str, value: object) -> tuple[str, datetime] | None:
    machine, _, point = machine_point.partition("/")
    if point != CLOCK_POINT or isinstance(value, bool | str) or value is None:
        return None
    ms = float(value)  # type: ignore[arg-type]  # a number: bool and str excluded above
    if math.isfinite(ms) and 0 < ms < 253402300800000:  # before year 10000
        return machine, _EPOCH + timedelta(milliseconds=ms)
    return None


def _sample_clocks(samples: Sequence[Sample]) -> dict[str, datetime]:
    clocks: dict[str, datetime] = {}
    for s in samples:
        if s.ok and (found := _clock(s.tag, s.value)) is not None:
            clocks[found[0]] = found[1]
    return clocks


def _apply(samples: Sequence[Sample], clocks: Mapping[str, datetime]) -> list[Sample]:
    if not clocks:
        return list(samples)
    return [
        replace(s, ts=clocks[m]) if (m := s.tag.partition("/")[0]) in clocks else s for s in samples
    ]


def restamp(samples: Sequence[Sample]) -> list[Sample]:
    """Samples of machines that delivered a good ``<machine>/clock_ms``, stamped with it."""
    return _apply(samples, _sample_clocks(samples))


def restamp_batch(batch: SampleBatch) -> SampleBatch:
    """:func:`restamp` for a columnar batch: rows and samples of a clocked machine restamped.

    The clock may come from a row or a sample; the rows' ``ts`` column is rebuilt per distinct
    tag (``index_in`` + ``take``), never row by row.
    """
    rows = batch.rows
    clocks = _sample_clocks(batch.samples)
    if rows.num_rows:
        tags = rows.column("tag")
        is_clock = pc.ends_with(tags, "/" + CLOCK_POINT)
        if pc.any(is_clock).as_py():
            clocked = rows.filter(is_clock).to_pydict()
            for tag, value in zip(clocked["tag"], clocked["value"], strict=True):
                if (found := _clock(tag, value)) is not None:
                    clocks[found[0]] = found[1]
    if not clocks:
        return batch
    if rows.num_rows:
        unique = pc.unique(rows.column("tag"))
        stamps = [clocks.get(str(t).partition("/")[0]) for t in unique.to_pylist()]
        if any(x is not None for x in stamps):
            ts_type = rows.schema.field("ts").type
            per_tag = pa.array(stamps, pa.timestamp("us", tz="UTC")).cast(ts_type)
            per_row = per_tag.take(
                pc.index_in(rows.column("tag").combine_chunks(), value_set=unique)
            )
            new_ts = pc.coalesce(per_row, rows.column("ts").combine_chunks())
            rows = rows.set_column(rows.schema.get_field_index("ts"), "ts", new_ts)
    return SampleBatch(rows, _apply(batch.samples, clocks))


def _rows_as_samples(rows: pa.Table) -> list[Sample]:
    cols = rows.to_pydict()
    return [
        Sample(t, ts, v) for t, ts, v in zip(cols["tag"], cols["ts"], cols["value"], strict=True)
    ]


def tap(
    connector: Connector,
    observe: Callable[[Sequence[Sample]], None],
    observe_batch: Callable[[SampleBatch], None] | None = None,
) -> Connector:
    """``connector`` with its samples passing through ``observe`` before the poller sees them.

    ``read`` is always wrapped. A connector with the columnar fast path
    (:class:`~smartfactory.connectors.base.BatchSubscribable`) gets its ``receive_batch``
    wrapped instead of ``receive``, so the poller keeps draining it column-wise; each batch goes
    to ``observe_batch`` (vectorised, e.g. :meth:`LiveIngest.observe_batch`), or, without one,
    to ``observe`` as samples. (The MQTT connector's ``receive`` calls ``receive_batch``, so it
    is seen too, once.) Any other push connector gets its ``receive`` wrapped.
    """
    read = connector.read

    async def tapped_read(tags: Sequence[str]) -> list[Sample]:
        return _seen(await read(tags), observe)

    setattr(connector, "read", tapped_read)  # noqa: B010 - an instance attribute on purpose
    if isinstance(connector, BatchSubscribable):
        receive_batch: Callable[[float], Awaitable[SampleBatch]] = connector.receive_batch
        see = observe_batch or (
            lambda b: observe(_rows_as_samples(b.rows) + b.samples) if len(b) else None
        )

        async def tapped_receive_batch(max_wait_s: float) -> SampleBatch:
            batch = restamp_batch(await receive_batch(max_wait_s))
            try:
                see(batch)
            except Exception:  # the live picture must never stop delivery to the store
                log.exception("live ingest failed on a batch of %d samples", len(batch))
            return batch

        setattr(connector, "receive_batch", tapped_receive_batch)  # noqa: B010
    elif isinstance(connector, Subscribable):
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
                    tap(connector, self.ingest.observe, self.ingest.observe_batch),
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
