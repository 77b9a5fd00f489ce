"""Publishing the live picture back on the UNS, so other plant tools can use it.

:class:`UnsPublishLoop` runs in a thread of its own; every ``interval_s`` it takes a
:class:`~smartfactory.domain.live.LiveSource` snapshot and publishes, through
:class:`~smartfactory.connectors.mqtt.UnsPublisher`, on ``<topic_root>/<machine>/<name>``:

- ``state`` (retained): ``{"timestamp_ms", "value": "producing", "since_ms", "reason",
  "order", "product"}``;
- ``oee``, ``availability``, ``performance``, ``quality`` (ratios of the current shift, only
  when known), ``good`` and ``scrap`` (units of the shift) (retained): ``{"timestamp_ms",
  "value"}``;
- ``alert`` (not retained, once each): ``{"timestamp_ms", "value": text, "severity",
  "source"}`` for a machine whose health reading (``LiveMaintenance``) opens an alert (again
  only after it cleared) and for each new ``spc_alert`` or other ``*alert*`` event of the store.

A broker outage never stops it: a failed connect or publish closes the connection, counts in
``stats.failures`` and retries with exponential back-off (logged once per transition); alerts
not yet delivered stay queued (bounded) and go out after the reconnect. ``stop()`` ends the
thread cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.connectors.errors import ConnectorError
from smartfactory.connectors.mqtt import MqttConfig, UnsPublisher
from smartfactory.domain.live import LiveSource, MachineSnapshot
from smartfactory.domain.records import Event
from smartfactory.store.base import Store

__all__ = ["HealthSource", "PublishConfig", "PublishStats", "UnsPublishLoop"]

log = logging.getLogger(__name__)

_MAX_PENDING_ALERTS = 10_000
_KPIS = ("oee", "availability", "performance", "quality")


class PublishConfig(BaseModel):
    """The ``publish:`` block of the plant file's ``ingest`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    topic_root: str = Field(
        pattern=r"^[^/#+]+(/[^/#+]+){3}$",
        description="enterprise/site/area/line: machines publish under <root>/<machine>/...",
    )
    interval_s: float = Field(default=5.0, gt=0)
    qos: int = Field(default=1, ge=0, le=2)
    username: str | None = None
    password: str | None = None
    timeout_s: float = Field(default=5.0, gt=0)
    max_backoff_s: float = Field(default=30.0, gt=0)

    def mqtt(self) -> MqttConfig:
        """The MQTT connection settings of the publisher."""
        return MqttConfig(
            host=self.host,
            port=self.port,
            path=self.topic_root,
            username=self.username,
            password=self.password,
            qos=self.qos,
            timeout_s=self.timeout_s,
        )


class HealthSource(Protocol):
    """What the loop needs of :class:`~smartfactory.maintenance.LiveMaintenance`."""

    def readings(self) -> Sequence[_Reading]:
        """The latest reading of each machine."""
        ...


class _Reading(Protocol):
    @property
    def machine(self) -> str: ...
    @property
    def updated(self) -> datetime: ...
    @property
    def health(self) -> float: ...
    @property
    def alert(self) -> bool: ...


@dataclass(slots=True)
class PublishStats:
    """Counters since the loop started."""

    rounds: int = 0
    messages: int = 0
    alerts: int = 0
    failures: int = 0
    connects: int = 0
    connected: bool = False


@dataclass(frozen=True, slots=True)
class _Alert:
    machine: str
    ts: datetime
    text: str
    severity: str
    source: str


class UnsPublishLoop:
    """Publishes states, KPIs and alerts of ``live`` every ``config.interval_s`` seconds."""

    def __init__(
        self,
        config: PublishConfig,
        live: LiveSource,
        *,
        store: Store | None = None,
        health: HealthSource | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.live = live
        self.store = store
        self.health = health
        self.clock = clock
        self.stats = PublishStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="uns-publish", daemon=True)
        self._pending: deque[_Alert] = deque(maxlen=_MAX_PENDING_ALERTS)
        self._alerting: set[str] = set()
        self._cursor: datetime | None = None
        self._seen_at_cursor: set[tuple[str, str, str]] = set()

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start publishing in the background."""
        self._cursor = self.clock()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop and join the thread (the connection is closed)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> UnsPublishLoop:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # never takes the ingest down
            log.exception("UNS publishing stopped with an error")

    async def _main(self) -> None:
        publisher: UnsPublisher | None = None
        backoff = 0.0
        retry_at = 0.0
        try:
            while not self._stop.is_set():
                began = time.monotonic()
                self.stats.rounds += 1
                self._collect_alerts()
                if publisher is None and began >= retry_at:
                    publisher = await self._connect()
                if publisher is not None:
                    try:
                        await self._publish_round(publisher)
                        backoff = 0.0
                    except (ConnectorError, OSError) as err:
                        self._failed(f"publish: {err}")
                        await _close(publisher)
                        publisher = None
                if publisher is None and began >= retry_at:
                    backoff = min(max(backoff * 2, 0.5), self.config.max_backoff_s)
                    retry_at = time.monotonic() + backoff
                wait = self.config.interval_s - (time.monotonic() - began)
                if publisher is None:
                    wait = min(wait, max(retry_at - time.monotonic(), 0.05))
                await asyncio.to_thread(self._stop.wait, max(wait, 0.0))
        finally:
            if publisher is not None:
                await _close(publisher)

    async def _connect(self) -> UnsPublisher | None:
        publisher = UnsPublisher(self.config.mqtt())
        try:
            await publisher.__aenter__()
        except (ConnectorError, OSError) as err:
            self._failed(f"connect: {err}")
            return None
        self.stats.connects += 1
        if not self.stats.connected:
            self.stats.connected = True
            log.info("UNS publishing connected to %s:%d", self.config.host, self.config.port)
        return publisher

    def _failed(self, why: str) -> None:
        self.stats.failures += 1
        if self.stats.connected or self.stats.failures == 1:
            log.warning("UNS publishing to %s:%d lost: %s", self.config.host, self.config.port, why)
        self.stats.connected = False

    # -- one round --------------------------------------------------------------------------
    async def _publish_round(self, publisher: UnsPublisher) -> None:
        try:
            snapshot = self.live.snapshot()
        except Exception:  # a failing live picture skips a round, never the loop
            log.exception("UNS publishing could not take the live snapshot")
            return
        for m in snapshot.machines:
            await self._machine(publisher, m, snapshot.timestamp)
        while self._pending:
            a = self._pending[0]
            payload: dict[str, object] = {
                "timestamp_ms": _ms(a.ts),
                "value": a.text,
                "severity": a.severity,
                "source": a.source,
            }
            await publisher.publish(a.machine, "alert", payload)
            self._pending.popleft()
            self.stats.alerts += 1
            self.stats.messages += 1

    async def _machine(self, publisher: UnsPublisher, m: MachineSnapshot, now: datetime) -> None:
        ts = _ms(now)
        state: dict[str, object] = {
            "timestamp_ms": ts,
            "value": m.state.name.lower(),
            "since_ms": _ms(m.since),
            "reason": m.reason,
            "order": m.order,
            "product": m.product,
        }
        await publisher.publish(m.machine, "state", state, retain=True)
        self.stats.messages += 1
        figures: list[tuple[str, float | int | None]] = [(k, getattr(m, k)) for k in _KPIS]
        figures += [("good", m.good), ("scrap", m.scrap)]
        for name, value in figures:
            if value is None or not math.isfinite(value):
                continue
            payload: dict[str, object] = {"timestamp_ms": ts, "value": value}
            await publisher.publish(m.machine, name, payload, retain=True)
            self.stats.messages += 1

    def _collect_alerts(self) -> None:
        """Queue alerts newly opened by health readings and new alert events of the store."""
        try:
            if self.health is not None:
                for r in self.health.readings():
                    if r.alert and r.machine not in self._alerting:
                        self._alerting.add(r.machine)
                        text = f"health {r.health:.2f}: anomaly alert"
                        self._pending.append(
                            _Alert(r.machine, r.updated, text, "warning", "health")
                        )
                    elif not r.alert:
                        self._alerting.discard(r.machine)
            if self.store is not None and self._cursor is not None:
                self._collect_events(self.store, self._cursor)
        except Exception:  # a failing store or model must not stop the publishing
            log.exception("UNS publishing could not read alerts")

    def _collect_events(self, store: Store, cursor: datetime) -> None:
        events = store.query_events(cursor, self.clock() + timedelta(days=1))
        newest = cursor
        for e in events:
            if "alert" not in e.kind:
                continue
            key = (e.kind, e.source, e.message)
            if e.timestamp == cursor and key in self._seen_at_cursor:
                continue
            if e.timestamp > newest:
                newest, self._seen_at_cursor = e.timestamp, set()
            self._seen_at_cursor.add(key)
            self._pending.append(_event_alert(e))
        self._cursor = newest


def _event_alert(e: Event) -> _Alert:
    machine = e.data.get("machine")
    severity = e.data.get("severity")
    return _Alert(
        machine=str(machine) if machine else e.source,
        ts=e.timestamp,
        text=e.message or e.kind,
        severity=str(severity) if severity else "warning",
        source=e.kind,
    )


async def _close(publisher: UnsPublisher) -> None:
    with contextlib.suppress(Exception):  # the connection is gone already
        await publisher.__aexit__(None, None, None)


def _ms(ts: datetime) -> int:
    return round(ts.timestamp() * 1000)
