"""The MQTT connector: follows a UNS subtree on a broker and turns messages into samples.

It subscribes to ``<path>/#`` with the configured QoS; a background task parses each message
(:mod:`.uns`) into samples, kept until the poller takes them with ``receive()`` (capability
SUBSCRIBE) and remembered as each tag's latest value for ``read()``. A rejected message goes
to the quarantine with its reason. When ``max_pending`` samples wait, the task stops taking
messages (back-pressure to the broker) rather than drop any. A lost connection ends the task;
``receive()`` then returns what was received and next raises ConnectorUnavailableError so the
poller reconnects. With a fixed ``client_id`` the broker keeps the session (clean_session off)
and delivers the QoS >= 1 messages published meanwhile.

Acknowledge after durable (``manual_ack``, on by default): paho-mqtt's manual acknowledgement
is switched on (aiomqtt 2.5 does not expose it, so it is set on the paho client aiomqtt wraps,
``client._client``), and a QoS 1 message is acknowledged (PUBACK) only by :meth:`acknowledge`,
which the poller calls once the samples ``receive()`` returned are fsynced in its write-ahead
log. A message received but not acknowledged when the process dies or the connection drops is
redelivered by the broker on the next connection of the same ``client_id`` (a persistent
session; with a clean session the broker discards it). Messages held back by ``max_pending``
are not acknowledged either, and the broker stops sending once its in-flight limit of
unacknowledged messages is reached. QoS 2 is weaker: paho answers PUBREC on receipt, after which
the broker never resends the PUBLISH, so only the PUBCOMP waits for :meth:`acknowledge`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

import aiomqtt

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    TagInfo,
    utc_now,
)
from smartfactory.connectors.errors import ConnectorUnavailableError
from smartfactory.connectors.mqtt.config import MqttConfig
from smartfactory.connectors.mqtt.session import close_session, latest_or_bad, open_subscribed
from smartfactory.connectors.mqtt.uns import PayloadRejectedError, UnsLimits, parse_message
from smartfactory.connectors.quarantine import Quarantine, Reason

__all__ = ["MqttConnector"]


class MqttConnector:
    """Samples from the Unified Namespace on an MQTT broker."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="mqtt",
        title="MQTT Unified Namespace (JSON)",
        config_model=MqttConfig,
        capabilities=frozenset({Capability.READ, Capability.BROWSE, Capability.SUBSCRIBE}),
        description="ISA-95 topics with JSON payloads; bad payloads quarantined.",
    )

    def __init__(
        self, config: MqttConfig, clock: Clock = utc_now, quarantine: Quarantine | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self.quarantine = quarantine if quarantine is not None else Quarantine()
        self.limits = UnsLimits(config.max_payload_bytes, config.timestamp_tolerance_s)
        self.latest: dict[str, Sample] = {}
        self.messages = 0
        self._allowed = set(config.signals)
        self._pending: deque[Sample] = deque()
        self._arrived = asyncio.Event()
        self._room = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._pump: asyncio.Task[None] | None = None
        self._lost: str = ""
        self._received: list[tuple[int, int]] = []  # (mid, qos) of messages not yet returned
        self._returned: list[tuple[int, int]] = []  # returned by receive(), not yet acknowledged

    @property
    def peer(self) -> str:
        """host:port, for messages."""
        return f"{self.config.host}:{self.config.port}"

    async def connect(self) -> None:
        """Connect and subscribe to the UNS subtree."""
        await self.close()
        cfg = self.config
        client = aiomqtt.Client(
            cfg.host,
            cfg.port,
            identifier=cfg.client_id or None,
            clean_session=not cfg.client_id,
            username=cfg.username,
            password=cfg.password,
            timeout=cfg.timeout_s,
            keepalive=cfg.keepalive_s,
        )
        if cfg.manual_ack:
            client._client.manual_ack_set(True)  # aiomqtt 2.5 has no option for it; see above
        self._received.clear()
        self._returned.clear()
        await open_subscribed(client, f"{cfg.path}/#", cfg.qos, cfg.timeout_s, f"mqtt {self.peer}")
        self._client = client
        self._lost = ""
        self._room.set()
        self._pump = asyncio.create_task(self._run(client), name=f"mqtt pump {self.peer}")

    async def close(self) -> None:
        """Stop receiving and disconnect (received samples stay available)."""
        pump, self._pump = self._pump, None
        client, self._client = self._client, None
        self._received.clear()  # unacknowledged: the broker redelivers them (persistent session)
        self._returned.clear()
        await close_session(pump, client, self.config.timeout_s)

    async def _run(self, client: aiomqtt.Client) -> None:
        levels = self.config.path.count("/") + 1
        try:
            async for message in client.messages:
                await self._room.wait()
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                self._take(str(message.topic), raw, levels)
                if message.qos > 0:
                    self._received.append((message.mid, message.qos))
        except aiomqtt.MqttError as err:
            self._lost = str(err) or "connection lost"
            self._arrived.set()

    def _take(self, topic: str, payload: bytes, levels: int) -> None:
        self.messages += 1
        try:
            samples = parse_message(topic, payload, levels, self.clock(), self.limits)
        except PayloadRejectedError as err:
            self.quarantine.add(f"mqtt:{topic}", err.reason, err.detail, payload)
            return
        for s in samples:
            if self._allowed and s.tag not in self._allowed:
                self.quarantine.add(f"mqtt:{topic}", Reason.UNKNOWN_SIGNAL, s.tag, payload)
                continue
            self._pending.append(s)
            self.latest[s.tag] = s
        if len(self._pending) >= self.config.max_pending:
            self._room.clear()
        self._arrived.set()

    async def receive(self, max_wait_s: float) -> list[Sample]:
        """The samples received since the last call, waiting up to ``max_wait_s``."""
        if not self._pending and not self._lost:
            if self._client is None:
                raise ConnectorUnavailableError(f"mqtt {self.peer}: not connected")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max_wait_s):
                    await self._arrived.wait()
        self._arrived.clear()
        if not self._pending and self._lost:
            raise ConnectorUnavailableError(f"mqtt {self.peer}: {self._lost}")
        out = list(self._pending)
        self._pending.clear()
        self._returned.extend(self._received)
        self._received.clear()
        self._room.set()
        return out

    async def acknowledge(self) -> None:
        """Acknowledge to the broker every message whose samples ``receive()`` returned."""
        returned, self._returned = self._returned, []
        client = self._client
        if client is None or not self.config.manual_ack:
            return
        for mid, qos in returned:
            client._client.ack(mid, qos)

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """The latest value received for each ``machine/signal`` tag."""
        if self._client is None or self._lost:
            raise ConnectorUnavailableError(f"mqtt {self.peer}: not connected")
        return latest_or_bad(self.latest, tags, self.clock())

    async def browse(self) -> list[TagInfo]:
        """Every tag seen so far, with its topic."""
        return [
            TagInfo(tag=t, address=f"{self.config.path}/{t}", data_type=type(s.value).__name__)
            for t, s in sorted(self.latest.items())
        ]
