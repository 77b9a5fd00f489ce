"""The poller: one per connector instance, it owns the connection's life and the delivery.

It connects (under ``timeout_s``), reads the configured tags every ``interval_s`` (or, for a
push connector with capability SUBSCRIBE, waits for what the peer sends), turns good samples
into Arrow rows, queues them in a :class:`~smartfactory.connectors.buffer.SpillBuffer` and
drains that into the store. A connection failure closes the connector and retries after an
exponential back-off with jitter from the injected ``rng``; a store failure keeps the rows
and re-sends them next cycle. So no sample is lost: rows leave the buffer only once the store
took them, overflow goes to disk, and the store's idempotent writes make re-sends harmless.

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
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.connectors.backoff import Backoff
from smartfactory.connectors.base import (
    Capability,
    Clock,
    Connector,
    Sample,
    Subscribable,
    utc_now,
)
from smartfactory.connectors.buffer import SpillBuffer
from smartfactory.connectors.errors import ConnectorError
from smartfactory.connectors.quarantine import Quarantine, Reason
from smartfactory.connectors.sink import StoreWriter, samples_to_table
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
        self._writer = StoreWriter(store, self.keys)
        self._state = ConnectionState.OFFLINE
        self._connected = False
        self._failures = 0
        self._stop = asyncio.Event()
        self._tags = list(self.keys)
        self._push = Capability.SUBSCRIBE in type(connector).info.capabilities

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
            while not self._stop.is_set() and (end is None or self.stats.cycles < end):
                if not self._connected and not await self._connect():
                    await self._wait(self.config.backoff.delay(self._failures, self.rng))
                    continue
                started = time.monotonic()
                samples = await self._read()
                if samples is None:
                    await self._wait(self.config.backoff.delay(self._failures, self.rng))
                    continue
                self._accept(samples)
                if not self._push:
                    await self._wait(self.config.interval_s - (time.monotonic() - started))
        finally:
            await self._disconnect()
            self._deliver()

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

    async def _read(self) -> list[Sample] | None:
        """The samples of one cycle, or None when the connection failed (already handled)."""
        try:
            if self._push:
                if not isinstance(self.connector, Subscribable):  # checked at load; for mypy
                    raise ConnectorError(f"{self.name}: capability subscribe without receive()")
                wait = self.config.interval_s
                async with asyncio.timeout(self.config.timeout_s + wait):
                    samples = await self.connector.receive(wait)
            else:
                async with asyncio.timeout(self.config.timeout_s):
                    samples = await self.connector.read(self._tags)
        except (ConnectorError, TimeoutError, OSError) as err:
            self._failures += 1
            self.stats.read_failures += 1
            await self._disconnect()
            self._set_state(ConnectionState.OFFLINE, _describe(err))
            return None
        self._failures = 0
        self.stats.cycles += 1
        return samples

    def _accept(self, samples: Sequence[Sample]) -> None:
        self.stats.samples += len(samples)
        known: list[Sample] = []
        for s in samples:
            if self._key(s.tag) is not None:
                known.append(s)
                continue
            self.stats.unknown_samples += 1
            if self.quarantine is not None:
                self.quarantine.add(self.name, Reason.UNKNOWN_SIGNAL, s.tag, repr(s.value))
        table, bad, unstorable = samples_to_table(known)
        self.stats.good_samples += table.num_rows
        self.stats.bad_samples += len(bad)
        self.stats.unstorable_samples += len(unstorable)
        for s in unstorable:
            if self.quarantine is not None:
                self.quarantine.add(self.name, Reason.UNSTORABLE, s.tag, repr(s.value))
        self.buffer.append(table)
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
            return True
        try:
            self.buffer.drain(self._write)
        except Exception as err:  # any store failure: keep the rows, never crash the poller
            self.stats.store_failures += 1
            logger.debug("connector %s: store write failed: %s", self.name, err)
            return False
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
        self.transitions.append(Transition(self.clock(), old, new, reason))
        bad = new in {ConnectionState.OFFLINE, ConnectionState.DEGRADED}
        level = logging.WARNING if bad else logging.INFO
        logger.log(level, "connector %s: %s -> %s (%s)", self.name, old, new, reason)


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "timed out"
    return f"{type(err).__name__}: {err}"
