"""The poller: one per connector instance, it owns the connection's life and the delivery.

It connects (under ``timeout_s``), reads the configured tags every ``interval_s`` (or, for a
push connector with capability SUBSCRIBE, waits for what the peer sends), turns good samples
into Arrow rows, queues them in a :class:`~smartfactory.connectors.buffer.SpillBuffer` and
drains that into the store. A connection failure closes the connector and retries after an
exponential back-off with jitter from the injected ``rng``; a store failure keeps the rows
and re-sends them next cycle. So no sample is lost: rows leave the buffer only once the store
took them, overflow goes to disk, and the store's idempotent writes make re-sends harmless.

Crash safety (``PollerConfig.wal``, on by default): each cycle's rows are appended to a
:class:`~smartfactory.connectors.wal.WriteAheadLog` in ``wal_dir`` and fsynced before they
count as taken (``stats.logged_rows``, ``on_logged``) and before an
:class:`~smartfactory.connectors.base.Acknowledging` connector acknowledges them to its peer.
Segments are deleted only when the buffer is empty, i.e. the store committed every row. The
first :meth:`Poller.run` replays the segments a crashed process left into the store. A failing
log (disk full, I/O error) is treated like a lost connection: the connector is closed without
acknowledging, so a push peer redelivers, and the poller backs off. While the store is down the
log stays bounded: once the buffer spills, the rest of memory is spilled too (fsynced) and the
log emptied (a checkpoint, ``stats.checkpoints``); the spill folder is the on-disk buffer.

Quarantine: the poller attaches its store to its own quarantine and its connector's
(``quarantine_store``, on by default) and flushes them once per cycle, before acknowledging,
so rejected payloads are durable in the store's ``quarantine`` table (bounded by
``quarantine_rows``). :meth:`Poller.rejects` and ``last_error`` feed the connector status API
(:mod:`smartfactory.connectors.status`).

Columnar fast path: a connector implementing
:class:`~smartfactory.connectors.base.BatchSubscribable` (the MQTT UNS connector) is drained
through ``receive_batch()``, whose plain numeric samples arrive as one Arrow table; signal
lookup is per distinct tag, and the cycle's rows (fast and one-by-one alike) are logged as one
record (one fsync) and written to the store as one batch. A connector whose ``receive`` alone
was wrapped on the instance is driven through ``receive()`` instead, so the wrapper sees every
sample (``smartfactory.ingest.runner.tap`` wraps ``receive_batch()`` too and keeps the fast
path).

States (logged once per transition, kept in ``transitions``):

- CONNECTING: opening the first connection (retries after a failure stay OFFLINE);
- ONLINE: connected, every tag good and the store took everything;
- DEGRADED: connected, but some tags are bad or the store is failing;
- OFFLINE: the connection failed or was lost; waiting for the back-off to retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.connectors.backoff import Backoff
from smartfactory.connectors.base import (
    Acknowledging,
    BatchSubscribable,
    Capability,
    Clock,
    Connector,
    Sample,
    SampleBatch,
    Subscribable,
    utc_now,
)
from smartfactory.connectors.buffer import BUFFER_SCHEMA, SpillBuffer
from smartfactory.connectors.errors import ConnectorError
from smartfactory.connectors.quarantine import Quarantine, Reason
from smartfactory.connectors.sink import StoreWriter, samples_to_table
from smartfactory.connectors.wal import WriteAheadLog
from smartfactory.store.base import SignalKey, Store

__all__ = ["ConnectionState", "Poller", "PollerConfig", "PollerStats", "Transition"]

logger = logging.getLogger(__name__)


class ConnectionState(StrEnum):
    """Where a poller's connection stands."""

    CONNECTING = "connecting"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"


class PollerConfig(BaseModel):
    """How a poller drives its connector (part of a connector's entry in the plant file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_s: float = Field(default=1.0, gt=0, description="Time between reads.")
    timeout_s: float = Field(default=5.0, gt=0, description="Limit of each connect and read.")
    backoff: Backoff = Backoff()
    max_buffer_rows: int = Field(default=100_000, ge=1, description="Rows kept in memory.")
    batch_rows: int = Field(default=50_000, ge=1, description="Rows per store write.")
    wal: bool = Field(default=True, description="Log rows to disk (fsynced) before taking them.")
    wal_segment_bytes: int = Field(default=64 * 1024 * 1024, ge=1, description="Segment size.")
    quarantine_store: bool = Field(
        default=True, description="Keep rejected payloads in the store's quarantine table."
    )
    quarantine_rows: int = Field(default=100_000, ge=1, description="Quarantine rows kept.")


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of state, with when and why."""

    ts: datetime
    old: ConnectionState
    new: ConnectionState
    reason: str


@dataclass(slots=True)
class PollerStats:
    """Counters of a poller since it started."""

    cycles: int = 0
    samples: int = 0  # every sample the connector returned
    good_samples: int = 0
    bad_samples: int = 0
    unstorable_samples: int = 0
    unknown_samples: int = 0
    connect_failures: int = 0
    read_failures: int = 0
    store_failures: int = 0
    stored_rows: int = 0
    logged_rows: int = 0  # rows durable in the write-ahead log
    replayed_rows: int = 0  # rows read back from a previous process' write-ahead log
    wal_failures: int = 0
    checkpoints: int = 0  # the log emptied after the buffer spilled everything to disk


class Poller:
    """Drives one connector: connection, state, back-off, buffering and store delivery."""

    def __init__(
        self,
        connector: Connector,
        keys: Mapping[str, SignalKey],
        store: Store,
        *,
        spill_dir: Path,
        rng: np.random.Generator,
        config: PollerConfig | None = None,
        derive_key: Callable[[str], SignalKey | None] | None = None,
        quarantine: Quarantine | None = None,
        clock: Clock = utc_now,
        name: str = "",
        wal_dir: Path | None = None,
        on_logged: Callable[[pa.Table], None] | None = None,
    ) -> None:
        self.connector = connector
        self.keys = dict(keys)
        self.store = store
        self.rng = rng
        self.config = config or PollerConfig()
        self.derive_key = derive_key
        self.quarantine = quarantine
        self.clock = clock
        self.name = name or type(connector).info.kind
        self.stats = PollerStats()
        self.transitions: deque[Transition] = deque(maxlen=100)
        self.buffer = SpillBuffer(
            spill_dir, max_rows=self.config.max_buffer_rows, batch_rows=self.config.batch_rows
        )
        self.on_logged = on_logged
        self.wal: WriteAheadLog | None = None
        if self.config.wal:
            self.wal = WriteAheadLog(
                wal_dir if wal_dir is not None else spill_dir / "wal",
                segment_bytes=self.config.wal_segment_bytes,
            )
        self._replayed = False
        self._writer = StoreWriter(store, self.keys)
        self._state = ConnectionState.OFFLINE
        self._connected = False
        self._failures = 0
        self._stop = asyncio.Event()
        self._tags = list(self.keys)
        self._push = Capability.SUBSCRIBE in type(connector).info.capabilities
        self._spilled_files = 0
        self.last_error = ""
        self.quarantines: list[Quarantine] = []
        for q in (quarantine, getattr(connector, "quarantine", None)):
            if isinstance(q, Quarantine) and all(q is not k for k in self.quarantines):
                self.quarantines.append(q)
                if self.config.quarantine_store:
                    q.attach(store, self.config.quarantine_rows)

    @property
    def state(self) -> ConnectionState:
        """The current state."""
        return self._state

    def stop(self) -> None:
        """Ask :meth:`run` to finish after the current step."""
        self._stop.set()

    async def run(self, cycles: int | None = None) -> None:
        """Poll until :meth:`stop` (or ``cycles`` more reads); then close and deliver the rest."""
        self._stop.clear()
        end = None if cycles is None else self.stats.cycles + cycles
        try:
            self._replay()
            while not self._stop.is_set() and (end is None or self.stats.cycles < end):
                if not self._connected and not await self._connect():
                    await self._wait(self.config.backoff.delay(self._failures, self.rng))
                    continue
                started = time.monotonic()
                samples = await self._read()
                if samples is None:
                    await self._wait(self.config.backoff.delay(self._failures, self.rng))
                    continue
                bad = self._accept(samples.samples, samples.rows)
                if bad is None:  # not logged: close unacknowledged, back off, reconnect
                    await self._disconnect()
                    await self._wait(self.config.backoff.delay(self._failures, self.rng))
                    continue
                self._flush_quarantine()  # durable before the peer is told
                if isinstance(self.connector, Acknowledging):
                    await self._acknowledge(self.connector)
                self._report(bad)
                if not self._push:
                    await self._wait(self.config.interval_s - (time.monotonic() - started))
        finally:
            await self._disconnect()
            self._deliver()
            self._flush_quarantine()
            if self.wal is not None:
                self.wal.close()

    def rejects(self) -> dict[str, int]:
        """Samples and payloads rejected since the start, per reason (every quarantine)."""
        out: dict[str, int] = {}
        for q in self.quarantines:
            for reason, n in q.counts().items():
                out[str(reason)] = out.get(str(reason), 0) + n
        return out

    def _flush_quarantine(self) -> None:
        for q in self.quarantines:
            q.flush()

    def _replay(self) -> None:
        """Once: queue the rows a previous process left in the write-ahead log."""
        if self._replayed or self.wal is None:
            return
        self._replayed = True
        for logged in self.wal.recover():
            table = logged
            tags = [str(t) for t in pc.unique(table.column("tag")).to_pylist()]
            unknown = [t for t in tags if self._key(t) is None]
            if unknown:
                logger.warning("connector %s: replay drops unknown tags %s", self.name, unknown)
                keep = pc.invert(pc.is_in(table.column("tag"), value_set=pa.array(unknown)))
                kept = table.filter(keep)
                self.stats.unknown_samples += table.num_rows - kept.num_rows
                table = kept
            self.stats.replayed_rows += table.num_rows
            self.buffer.append(table)
        if self.stats.replayed_rows:
            logger.info(
                "connector %s: replaying %d rows from the write-ahead log",
                self.name,
                self.stats.replayed_rows,
            )
        self._deliver()

    async def _acknowledge(self, connector: Acknowledging) -> None:
        try:
            async with asyncio.timeout(self.config.timeout_s):
                await connector.acknowledge()
        except (ConnectorError, TimeoutError, OSError) as err:
            # not acknowledged: the peer redelivers after the reconnect (duplicates are harmless)
            self._failures += 1
            self.stats.read_failures += 1
            await self._disconnect()
            self._set_state(ConnectionState.OFFLINE, _describe(err))

    async def _connect(self) -> bool:
        if self._state is not ConnectionState.OFFLINE or not self.transitions:
            self._set_state(ConnectionState.CONNECTING, "connecting")  # retries stay OFFLINE
        try:
            async with asyncio.timeout(self.config.timeout_s):
                await self.connector.connect()
        except (ConnectorError, TimeoutError, OSError) as err:
            self._failures += 1
            self.stats.connect_failures += 1
            await self._disconnect()
            self._set_state(ConnectionState.OFFLINE, _describe(err))
            return False
        self._connected = True
        return True

    async def _read(self) -> SampleBatch | None:
        """The samples of one cycle, or None when the connection failed (already handled)."""
        connector = self.connector
        try:
            if self._push:
                wait = self.config.interval_s
                if isinstance(connector, BatchSubscribable) and "receive" not in getattr(
                    connector, "__dict__", ()
                ):
                    async with asyncio.timeout(self.config.timeout_s + wait):
                        samples = await connector.receive_batch(wait)
                else:
                    if not isinstance(connector, Subscribable):  # checked at load; for mypy
                        raise ConnectorError(f"{self.name}: capability subscribe without receive()")
                    async with asyncio.timeout(self.config.timeout_s + wait):
                        samples = SampleBatch(_NO_ROWS, await connector.receive(wait))
            else:
                async with asyncio.timeout(self.config.timeout_s):
                    samples = SampleBatch(_NO_ROWS, await connector.read(self._tags))
        except (ConnectorError, TimeoutError, OSError) as err:
            self._failures += 1
            self.stats.read_failures += 1
            await self._disconnect()
            self._set_state(ConnectionState.OFFLINE, _describe(err))
            return None
        self._failures = 0
        self.stats.cycles += 1
        return samples

    def _accept(self, samples: Sequence[Sample], rows: pa.Table) -> list[Sample] | None:
        """Log and queue the storable samples and rows; the bad samples, or None when not logged."""
        self.stats.samples += len(samples) + rows.num_rows
        known: list[Sample] = []
        for s in samples:
            if self._key(s.tag) is not None:
                known.append(s)
                continue
            self.stats.unknown_samples += 1
            if self.quarantine is not None:
                self.quarantine.add(self.name, Reason.UNKNOWN_SIGNAL, s.tag, repr(s.value))
        table, bad, unstorable = samples_to_table(known)
        rows = self._known_rows(rows)
        if rows.num_rows:
            table = pa.concat_tables([table, rows]) if table.num_rows else rows
        self.stats.good_samples += table.num_rows
        self.stats.bad_samples += len(bad)
        self.stats.unstorable_samples += len(unstorable)
        for s in unstorable:
            if self.quarantine is not None:
                self.quarantine.add(self.name, Reason.UNSTORABLE, s.tag, repr(s.value))
        logged = self._log(table)
        self.buffer.append(table)  # even unlogged: the store may still take them
        self._checkpoint()
        return bad if logged else None

    def _known_rows(self, rows: pa.Table) -> pa.Table:
        """``rows`` of tags with a signal key (looked up once per distinct tag); others counted."""
        if not rows.num_rows:
            return rows
        tags = rows.column("tag")
        unknown = [t for t in pc.unique(tags).to_pylist() if self._key(str(t)) is None]
        if not unknown:
            return rows
        drop = pc.is_in(tags, value_set=pa.array(unknown, pa.string()))
        dropped = rows.filter(drop)
        self.stats.unknown_samples += dropped.num_rows
        if self.quarantine is not None:
            for tag, value in zip(
                dropped.column("tag").to_pylist(), dropped.column("value").to_pylist(), strict=True
            ):
                self.quarantine.add(self.name, Reason.UNKNOWN_SIGNAL, str(tag), repr(value))
        return rows.filter(pc.invert(drop))

    def _checkpoint(self) -> None:
        """After a spill: put the rest of memory on disk too, then empty the log.

        While the store is down the buffer overflows to (fsynced) spill files; once every
        waiting row is in one of them, the log holds nothing the spill folder does not, so
        it is removed and stays bounded by ``max_buffer_rows`` instead of growing with the
        outage. A crash between the two steps leaves rows in both: harmless (idempotent).
        """
        spilled = self.buffer.stats.spilled_files
        if spilled == self._spilled_files:
            return
        try:
            self.buffer.spill_all()
        except OSError as err:
            logger.warning("connector %s: spilling failed: %s", self.name, err)
            return
        self._spilled_files = self.buffer.stats.spilled_files
        if self.wal is not None and self.wal.segments():
            self.wal.truncate()
            self.stats.checkpoints += 1

    def _log(self, table: pa.Table) -> bool:
        """Append ``table`` to the write-ahead log and fsync; False when that failed."""
        if self.wal is not None and table.num_rows:
            try:
                self.wal.append(table)
                self.wal.sync()
            except OSError as err:
                self.stats.wal_failures += 1
                self._failures += 1
                self._set_state(ConnectionState.OFFLINE, f"write-ahead log failed: {err}")
                return False
        self.stats.logged_rows += table.num_rows
        if self.on_logged is not None:
            self.on_logged(table)
        return True

    def _report(self, bad: list[Sample]) -> None:
        """Deliver what waits and set the state from this cycle's outcome."""
        stored = self._deliver()
        if bad:
            errors = "; ".join(sorted({f"{s.tag}: {s.error}" for s in bad}))
            self._set_state(ConnectionState.DEGRADED, f"{len(bad)} bad tag(s): {errors}")
        elif not stored:
            self._set_state(ConnectionState.DEGRADED, "store unavailable, buffering")
        else:
            self._set_state(ConnectionState.ONLINE, "all tags good")

    def _key(self, tag: str) -> SignalKey | None:
        key = self.keys.get(tag)
        if key is None and self.derive_key is not None:
            key = self.derive_key(tag)
            if key is not None:
                self.keys[tag] = key
        return key

    def _deliver(self) -> bool:
        """Drain the buffer into the store; False when the store failed (rows kept)."""
        if not self.buffer.pending():
            if self.wal is not None and self.wal.segments():
                self.wal.truncate()
            return True
        try:
            self.buffer.drain(self._write)
        except Exception as err:  # any store failure: keep the rows, never crash the poller
            self.stats.store_failures += 1
            logger.debug("connector %s: store write failed: %s", self.name, err)
            return False
        if self.wal is not None:
            self.wal.truncate()  # the store committed every row the log holds
        return True

    def _write(self, table: pa.Table) -> int:
        written = self._writer(table)
        self.stats.stored_rows += written
        return written

    async def _disconnect(self) -> None:
        self._connected = False
        with contextlib.suppress(ConnectorError, TimeoutError, OSError):
            async with asyncio.timeout(self.config.timeout_s):
                await self.connector.close()

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()

    def _set_state(self, new: ConnectionState, reason: str) -> None:
        old = self._state
        if new is old:
            return
        self._state = new
        if new in {ConnectionState.OFFLINE, ConnectionState.DEGRADED}:
            self.last_error = reason
        self.transitions.append(Transition(self.clock(), old, new, reason))
        bad = new in {ConnectionState.OFFLINE, ConnectionState.DEGRADED}
        level = logging.WARNING if bad else logging.INFO
        logger.log(level, "connector %s: %s -> %s (%s)", self.name, old, new, reason)


_NO_ROWS = BUFFER_SCHEMA.empty_table()


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "timed out"
    return f"{type(err).__name__}: {err}"
