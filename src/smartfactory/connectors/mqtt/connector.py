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

Columnar fast path (:mod:`.columnar`): the pump hands each message to a :class:`UnsBatcher`,
which holds plain numeric messages and sends the rest through the per-message parser;
:meth:`receive_batch` (the poller's path, :class:`~smartfactory.connectors.base.
BatchSubscribable`) returns the held ones as one Arrow table, validated over the batch with
the same quarantine reasons. :meth:`receive` returns the same samples as ``Sample`` objects
(values as float64) for callers that want them one by one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

import aiomqtt

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    SampleBatch,
    TagInfo,
    utc_now,
)
from smartfactory.connectors.errors import ConnectorUnavailableError
from smartfactory.connectors.mqtt.columnar import UnsBatcher
from smartfactory.connectors.mqtt.config import MqttConfig
from smartfactory.connectors.mqtt.inbox import Inbox
from smartfactory.connectors.mqtt.session import (
    close_session,
    latest_or_bad,
    open_subscribed,
    send_acks,
)
from smartfactory.connectors.mqtt.uns import UnsLimits
from smartfactory.connectors.quarantine import Quarantine

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
        self.messages = 0
        self.batcher = UnsBatcher(
            config.path.count("/") + 1, self.limits, self.quarantine, config.signals
        )
        self.inbox = Inbox(config.max_pending, f"mqtt {self.peer}")
        self._client: aiomqtt.Client | None = None
        self._pump: asyncio.Task[None] | None = None

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
        self.inbox.forget()
        await open_subscribed(client, f"{cfg.path}/#", cfg.qos, cfg.timeout_s, f"mqtt {self.peer}")
        self._client = client
        self.inbox.reset()
        self._pump = asyncio.create_task(self._run(client), name=f"mqtt pump {self.peer}")

    async def close(self) -> None:
        """Stop receiving and disconnect (received samples stay available)."""
        pump, self._pump = self._pump, None
        client, self._client = self._client, None
        self.inbox.forget()  # unacknowledged: the broker redelivers them (persistent session)
        await close_session(pump, client, self.config.timeout_s)

    async def _run(self, client: aiomqtt.Client) -> None:
        add, inbox = self.batcher.add, self.inbox
        try:
            async for message in client.messages:
                await inbox.wait_room()
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                self.messages += 1
                held, samples = add(str(message.topic), raw, self.clock())
                inbox.put(samples, held)
                inbox.note(message.mid, message.qos)
        except aiomqtt.MqttError as err:
            self.inbox.lose(str(err))

    async def receive_batch(self, max_wait_s: float) -> SampleBatch:
        """What was received since the last call (numeric samples as Arrow rows)."""
        samples = await self.inbox.take(max_wait_s, connected=self._client is not None)
        rows, extra = self.batcher.build()  # no await in between: the pump cannot add
        return SampleBatch(rows, samples + extra)

    async def receive(self, max_wait_s: float) -> list[Sample]:
        """The samples received since the last call, waiting up to ``max_wait_s``."""
        batch = await self.receive_batch(max_wait_s)
        if not batch.rows.num_rows:
            return batch.samples
        cols = batch.rows.to_pydict()
        fast = [
            Sample(t, ts, v)
            for t, ts, v in zip(cols["tag"], cols["ts"], cols["value"], strict=True)
        ]
        return fast + batch.samples

    async def acknowledge(self) -> None:
        """Acknowledge to the broker every message whose samples ``receive()`` returned."""
        returned = self.inbox.to_acknowledge()
        client = self._client
        if client is None or not self.config.manual_ack:
            return
        await send_acks(client, returned)

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """The latest value received for each ``machine/signal`` tag."""
        if self._client is None or self.inbox.lost:
            raise ConnectorUnavailableError(f"mqtt {self.peer}: not connected")
        latest = {t: s for t in tags if (s := self.batcher.latest(t)) is not None}
        return latest_or_bad(latest, tags, self.clock())

    async def browse(self) -> list[TagInfo]:
        """Every tag seen so far, with its topic."""
        return [
            TagInfo(tag=t, address=f"{self.config.path}/{t}", data_type=type(v).__name__)
            for t, v in self.batcher.tags()
        ]
