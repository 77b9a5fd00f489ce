"""The Sparkplug B connector: follows one group's edge nodes on an MQTT broker.

It subscribes to ``spBv1.0/<group>/#``; a background task hands each message to a
:class:`~smartfactory.connectors.sparkplug.session.SparkplugHost` (births, aliases, sequence
numbers, deaths) and keeps the samples until the poller takes them with ``receive()``
(capability SUBSCRIBE), remembering each tag's latest sample for ``read()``. A malformed
message or metric goes to the quarantine with its reason. When the host asks for a rebirth
(unborn node, unknown alias, sequence gap) the connector publishes ``Node Control/Rebirth`` on
the node's NCMD topic, at most once per ``rebirth_interval_s`` per node. Back-pressure and
connection loss work as in the MQTT UNS connector: at ``max_pending`` samples the task stops
taking messages, and a lost connection makes the next ``receive()`` raise
ConnectorUnavailableError so the poller reconnects (the shared :class:`~smartfactory.connectors.
mqtt.inbox.Inbox`).

Acknowledge after durable (``manual_ack``, on by default), as in the UNS connector: paho's
manual acknowledgement is switched on and a QoS 1 message is acknowledged only by
:meth:`SparkplugConnector.acknowledge`, which the poller calls once the samples ``receive()``
returned are fsynced in its write-ahead log (and the rejected ones are in the quarantine).

Validation beyond the payload decoder: with ``timestamp_tolerance_s`` set (off by default, so
edge nodes on simulated time or replaying history are taken), a metric whose timestamp is
further than that from now, past or future, is rejected (TIMESTAMP); when
``signals`` is set, a metric whose tag is not listed is rejected (UNKNOWN_SIGNAL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

import aiomqtt
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    TagInfo,
    utc_now,
)
from smartfactory.connectors.errors import ConnectorUnavailableError
from smartfactory.connectors.mqtt.inbox import Inbox
from smartfactory.connectors.mqtt.session import (
    close_session,
    latest_or_bad,
    open_subscribed,
    send_acks,
)
from smartfactory.connectors.mqtt.uns import PayloadRejectedError
from smartfactory.connectors.quarantine import Quarantine, Reason
from smartfactory.connectors.sparkplug.session import (
    NAMESPACE,
    SparkplugHost,
    parse_topic,
    rebirth_request,
)

__all__ = ["SparkplugConfig", "SparkplugConnector"]


class SparkplugConfig(BaseModel):
    """A broker and the Sparkplug B group to follow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    group: str = Field(pattern=r"^[^/#+]+$", description="The Sparkplug group id.")
    client_id: str = Field(default="", description="Fixed id: the broker keeps the session.")
    username: str | None = None
    password: str | None = None
    qos: int = Field(default=1, ge=0, le=2)
    manual_ack: bool = Field(
        default=True,
        description="Acknowledge QoS >= 1 messages only on acknowledge() (after the poller's log).",
    )
    timestamp_tolerance_s: float | None = Field(
        default=None,
        gt=0,
        description="Metrics further from now (past or future) are rejected; None: no check "
        "(edge nodes replaying history or running on simulated time).",
    )
    signals: list[str] = Field(
        default_factory=list, description="Allowed 'edge/[device/]metric' tags; empty allows any."
    )
    timeout_s: float = Field(default=5.0, gt=0)
    keepalive_s: int = Field(default=30, ge=5)
    max_payload_bytes: int = Field(default=1 << 20, ge=1)
    max_pending: int = Field(default=100_000, ge=1, description="Received samples held.")
    rebirth_interval_s: float = Field(default=5.0, ge=0, description="Per node, at most.")


class SparkplugConnector:
    """Samples from the Sparkplug B edge nodes of one group."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="sparkplug",
        title="MQTT Sparkplug B",
        config_model=SparkplugConfig,
        capabilities=frozenset({Capability.READ, Capability.BROWSE, Capability.SUBSCRIBE}),
        description="Births, aliases, sequence checks and rebirth requests; no protobuf runtime.",
    )

    def __init__(
        self, config: SparkplugConfig, clock: Clock = utc_now, quarantine: Quarantine | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self.quarantine = quarantine if quarantine is not None else Quarantine()
        self.host = SparkplugHost(config.max_payload_bytes)
        self.latest: dict[str, Sample] = {}
        self.messages = 0
        self.rebirths_sent = 0
        self.inbox = Inbox(config.max_pending, f"sparkplug {self.peer}")
        self._allowed = set(config.signals)
        self._client: aiomqtt.Client | None = None
        self._pump: asyncio.Task[None] | None = None
        self._asked: dict[tuple[str, str], float] = {}

    @property
    def peer(self) -> str:
        """host:port, for messages."""
        return f"{self.config.host}:{self.config.port}"

    async def connect(self) -> None:
        """Connect and subscribe to the group's messages."""
        await self.close()
        cfg = self.config
        client = aiomqtt.Client(
            cfg.host, cfg.port, identifier=cfg.client_id or None,
            clean_session=not cfg.client_id, username=cfg.username, password=cfg.password,
            timeout=cfg.timeout_s, keepalive=cfg.keepalive_s,
        )  # fmt: skip
        if cfg.manual_ack:
            client._client.manual_ack_set(True)  # aiomqtt 2.5 has no option for it
        self.inbox.forget()
        topic = f"{NAMESPACE}/{cfg.group}/#"
        await open_subscribed(client, topic, cfg.qos, cfg.timeout_s, f"sparkplug {self.peer}")
        self._client = client
        self.inbox.reset()
        self._pump = asyncio.create_task(self._run(client), name=f"sparkplug pump {self.peer}")

    async def close(self) -> None:
        """Stop receiving and disconnect (received samples stay available)."""
        pump, self._pump = self._pump, None
        client, self._client = self._client, None
        self.inbox.forget()  # unacknowledged: the broker redelivers them (persistent session)
        await close_session(pump, client, self.config.timeout_s)

    async def _run(self, client: aiomqtt.Client) -> None:
        try:
            async for message in client.messages:
                await self.inbox.wait_room()
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                await self._take(client, str(message.topic), raw, message.mid, message.qos)
        except aiomqtt.MqttError as err:
            self.inbox.lose(str(err))

    async def _take(
        self, client: aiomqtt.Client, topic: str, payload: bytes, mid: int = 0, qos: int = 0
    ) -> None:
        self.messages += 1
        now = self.clock()
        try:
            outcome = self.host.handle(topic, payload, now)
        except PayloadRejectedError as err:
            self.quarantine.add(f"sparkplug:{topic}", err.reason, err.detail, payload)
            self.inbox.put(())
            self.inbox.note(mid, qos)
            return
        for reason, detail in outcome.rejected:
            self.quarantine.add(f"sparkplug:{topic}", reason, detail, payload)
        samples = self._checked(topic, payload, outcome.samples, now)
        for s in samples:
            self.latest[s.tag] = s
        self.inbox.put(samples)
        self.inbox.note(mid, qos)
        if outcome.rebirth:
            await self._ask_rebirth(client, topic)

    def _checked(
        self, topic: str, payload: bytes, samples: Sequence[Sample], now: datetime
    ) -> list[Sample]:
        """The samples within the timestamp tolerance and (when set) the allowed signals."""
        tolerance = self.config.timestamp_tolerance_s
        if tolerance is None and not self._allowed:
            return list(samples)
        out: list[Sample] = []
        for s in samples:
            if tolerance is not None and abs((s.ts - now).total_seconds()) > tolerance:
                detail = f"{s.tag}: timestamp {s.ts.isoformat()} is too far from now"
                self.quarantine.add(f"sparkplug:{topic}", Reason.TIMESTAMP, detail, payload)
            elif self._allowed and s.tag not in self._allowed:
                self.quarantine.add(f"sparkplug:{topic}", Reason.UNKNOWN_SIGNAL, s.tag, payload)
            else:
                out.append(s)
        return out

    async def _ask_rebirth(self, client: aiomqtt.Client, topic: str) -> None:
        t = parse_topic(topic)
        key, now = (t.group, t.edge_node), time.monotonic()
        last = self._asked.get(key)
        if last is not None and now - last < self.config.rebirth_interval_s:
            return
        self._asked[key] = now
        ncmd, body = rebirth_request(t.group, t.edge_node, int(self.clock().timestamp() * 1000))
        async with asyncio.timeout(self.config.timeout_s):
            await client.publish(ncmd, body, qos=0)
        self.rebirths_sent += 1

    async def receive(self, max_wait_s: float) -> list[Sample]:
        """The samples received since the last call, waiting up to ``max_wait_s``."""
        return await self.inbox.take(max_wait_s, connected=self._client is not None)

    async def acknowledge(self) -> None:
        """Acknowledge to the broker every message whose samples ``receive()`` returned."""
        returned = self.inbox.to_acknowledge()
        client = self._client
        if client is None or not self.config.manual_ack:
            return
        await send_acks(client, returned)

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """The latest value received for each ``edge/[device/]metric`` tag."""
        if self._client is None or self.inbox.lost:
            raise ConnectorUnavailableError(f"sparkplug {self.peer}: not connected")
        return latest_or_bad(self.latest, tags, self.clock())

    async def browse(self) -> list[TagInfo]:
        """Every metric seen so far."""
        return [
            TagInfo(tag=t, address=f"{NAMESPACE}/{self.config.group}/{t}",
                    data_type=type(s.value).__name__)
            for t, s in sorted(self.latest.items())
        ]  # fmt: skip
