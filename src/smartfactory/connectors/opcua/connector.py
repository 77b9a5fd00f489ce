"""The OPC UA client connector: reads, browses, writes and subscribes to an OPC UA server.

``read(tags)`` sends one Read request per ``max_nodes_per_request`` tags; a tag is a configured
name or a node id itself (``ns=2;s=Speed``); a bad node gives a BAD sample with the server's
status text. In ``mode: subscribe`` ``connect()`` creates a subscription (publishing interval)
with one monitored item per tag (sampling interval, queue size, optional absolute deadband),
created ``items_per_request`` at a time (one CreateMonitoredItems request of 10,000 items
runs past a request timeout on a busy server), each request under ``timeout_s``. The
subscription is used in asyncua's iterator mode with an unbounded queue, drained by one pump
task (its callback mode starts a task per data change); data changes are kept until the
poller takes them with ``receive()`` (capability SUBSCRIBE).
Tags whose monitored item the server refuses, and every tag in ``mode: poll`` or when the
server refuses subscriptions altogether, are read every ``poll_interval_s`` inside
``receive()`` instead: polling is the fallback.

Losing the connection (a server restart) ends the session: ``receive()`` returns what was
received and next raises ConnectorUnavailableError, the poller reconnects with its back-off,
and ``connect()`` subscribes again. The server then resends each item's current value; one
whose source timestamp and value equal the last delivered is not delivered again (counted in
``repeats``), so a restart neither loses nor doubles samples. A value is timestamped with its
source timestamp, else the server's, else the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import ClassVar, TypeVar

from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.subscription import DataChangeEvent, StatusChangeEvent, Subscription
from asyncua.ua.attribute_ids import AttributeIds
from asyncua.ua.uaerrors import UaStatusCodeError

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    TagInfo,
    Value,
    utc_now,
)
from smartfactory.connectors.errors import (
    ConnectorError,
    ConnectorTimeoutError,
    ConnectorUnavailableError,
)
from smartfactory.connectors.opcua.browse import browse_variables
from smartfactory.connectors.opcua.config import OpcUaConfig
from smartfactory.connectors.opcua.convert import sample_of, status_text
from smartfactory.connectors.opcua.session import CONNECTION_ERRORS, close_client, open_client

__all__ = ["OpcUaConnector"]

logger = logging.getLogger(__name__)

_R = TypeVar("_R")
_LOST: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError)

_PY_OF_VARIANT: dict[ua.VariantType, type] = {
    ua.VariantType.Boolean: bool,
    ua.VariantType.Float: float,
    ua.VariantType.Double: float,
    ua.VariantType.String: str,
    **dict.fromkeys(
        (ua.VariantType.SByte, ua.VariantType.Byte, ua.VariantType.Int16, ua.VariantType.UInt16,
         ua.VariantType.Int32, ua.VariantType.UInt32, ua.VariantType.Int64, ua.VariantType.UInt64),
        int,
    ),
}  # fmt: skip


class OpcUaConnector:
    """Samples from the variables of one OPC UA server."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="opcua",
        title="OPC UA client",
        config_model=OpcUaConfig,
        capabilities=frozenset(
            {Capability.READ, Capability.BROWSE, Capability.WRITE, Capability.SUBSCRIBE}
        ),
        description="Subscriptions with deadband, polling fallback, Basic256Sha256 security.",
    )

    def __init__(self, config: OpcUaConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.repeats = 0
        self.polling = config.mode == "poll"
        self._names = {t.name: ua.NodeId.from_string(t.node_id) for t in config.tags}
        self._client: Client | None = None
        self._subscription: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._pending: deque[Sample] = deque()
        self._arrived = asyncio.Event()
        self._lost = ""
        self._last: dict[str, tuple[datetime, Value | None]] = {}
        self._poll_tags: list[str] = []
        self._next_poll = 0.0

    @property
    def connected(self) -> bool:
        """Whether a session is open and not known to be lost."""
        return self._client is not None and not self._lost

    def node_of(self, tag: str) -> ua.NodeId | None:
        """The node id of a configured tag name, or of a tag that is a node id itself."""
        node = self._names.get(tag)
        if node is not None:
            return node
        try:
            return ua.NodeId.from_string(tag)
        except Exception:  # asyncua raises several types for a malformed id
            return None

    async def connect(self) -> None:
        """Open a session and, in subscribe mode, subscribe to every configured tag."""
        await self.close()
        client = await open_client(self.config)
        client.connection_lost_callback = self._on_lost
        self._client = client
        self._lost = ""
        self._poll_tags = list(self._names) if self.config.mode == "poll" else []
        self.polling = self.config.mode == "poll"
        self._next_poll = 0.0
        if self.config.mode == "subscribe" and self._names:
            try:
                await self._subscribe(client)
            except UaStatusCodeError as err:  # the server refuses subscriptions: poll
                logger.warning("opcua %s: subscription refused (%s); polling", self.peer, err)
                self.polling = True
                self._poll_tags = list(self._names)
            except _LOST as err:
                await self.close()
                raise ConnectorUnavailableError(f"opcua {self.peer}: subscribe: {err}") from err

    async def _subscribe(self, client: Client) -> None:
        cfg = self.config
        params = ua.CreateSubscriptionParameters()
        params.RequestedPublishingInterval = cfg.publishing_interval_ms
        params.RequestedLifetimeCount = 10_000
        params.RequestedMaxKeepAliveCount = client.get_keepalive_count(cfg.publishing_interval_ms)
        params.MaxNotificationsPerPublish = 0  # no limit
        params.PublishingEnabled = True
        handles = dict(enumerate(self._names, start=1))
        async with asyncio.timeout(cfg.timeout_s):
            # iterator mode, unbounded queue: nothing dropped, no task per data change
            sub = await client.create_subscription(params, None, queue_maxsize=0)
        self._subscription = sub
        self._pump = asyncio.create_task(self._drain(sub, handles), name=f"opcua {self.peer}")
        deadbands = {t.name: t.deadband for t in cfg.tags}
        items = list(handles.items())
        step = cfg.items_per_request
        for start in range(0, len(items), step):
            chunk = items[start : start + step]
            requests = [self._item_request(h, self._names[t], deadbands[t]) for h, t in chunk]
            async with asyncio.timeout(cfg.timeout_s):
                results = await sub.create_monitored_items(requests)
            for (_, tag), result in zip(chunk, results, strict=True):
                if isinstance(result, ua.StatusCode):
                    logger.warning("opcua %s: %s not monitored (%s); polling it", self.peer, tag,
                                   status_text(result))  # fmt: skip
                    self._poll_tags.append(tag)

    async def _drain(self, sub: Subscription, handles: dict[int, str]) -> None:
        """The pump: every data change and status change of the subscription, in order."""
        async for event in sub:
            if isinstance(event, DataChangeEvent):
                item = event.data.monitored_item
                tag = handles.get(item.ClientHandle)
                if tag is not None:
                    self._changed(tag, item.Value)
            elif isinstance(event, StatusChangeEvent):
                status = event.notification.Status
                if status is not None and status.is_bad():
                    self._on_lost_text(f"subscription ended: {status_text(status)}")

    def _item_request(
        self, handle: int, node: ua.NodeId, deadband: float | None
    ) -> ua.MonitoredItemCreateRequest:
        cfg = self.config
        params = ua.MonitoringParameters()
        params.ClientHandle = handle
        params.SamplingInterval = cfg.sampling_interval_ms
        params.QueueSize = cfg.queue_size
        params.DiscardOldest = True
        band = deadband if deadband is not None else cfg.deadband
        if band is not None:
            flt = ua.DataChangeFilter()
            flt.Trigger = ua.DataChangeTrigger.StatusValue
            flt.DeadbandType = ua.DeadbandType.Absolute
            flt.DeadbandValue = band
            params.Filter = flt
        item = ua.ReadValueId()
        item.NodeId = node
        item.AttributeId = AttributeIds.Value
        request = ua.MonitoredItemCreateRequest()
        request.ItemToMonitor = item
        request.MonitoringMode = ua.MonitoringMode.Reporting
        request.RequestedParameters = params
        return request

    @property
    def peer(self) -> str:
        """The server's URL, for messages."""
        return self.config.url

    async def close(self) -> None:
        """End the session (received samples stay available); safe to call twice."""
        client, self._client = self._client, None
        self._subscription = None
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if client is not None:
            client.connection_lost_callback = None
            await close_client(client, self.config.timeout_s)

    async def _on_lost(self, err: Exception) -> None:
        self._on_lost_text(str(err) or type(err).__name__)

    def _on_lost_text(self, why: str) -> None:
        if not self._lost:
            logger.info("opcua %s: connection lost: %s", self.peer, why)
        self._lost = why or "connection lost"
        self._arrived.set()

    def _fresh(self, s: Sample) -> bool:
        """Whether ``s`` is new (not the value already delivered with the same timestamp)."""
        if s.value is None:
            return True
        key = (s.ts, s.value)
        if self._last.get(s.tag) == key:
            self.repeats += 1
            return False
        self._last[s.tag] = key
        return True

    def _changed(self, tag: str, dv: ua.DataValue) -> None:
        sample = sample_of(tag, dv, self.clock())
        if self._fresh(sample):
            self._pending.append(sample)
            self._arrived.set()

    async def receive(self, max_wait_s: float) -> list[Sample]:
        """Changes since the last call (and due polls), waiting up to ``max_wait_s``."""
        if self._client is None:
            raise ConnectorUnavailableError(f"opcua {self.peer}: not connected")
        loop = asyncio.get_running_loop()
        if not self._pending and not self._lost:
            wait = max_wait_s
            if self._poll_tags:
                wait = min(wait, max(0.0, self._next_poll - loop.time()))
            if wait > 0:
                try:
                    async with asyncio.timeout(wait):
                        await self._arrived.wait()
                except TimeoutError:
                    pass
        self._arrived.clear()
        out = list(self._pending)
        self._pending.clear()
        if self._lost:
            if out:
                return out
            raise ConnectorUnavailableError(f"opcua {self.peer}: {self._lost}")
        if self._poll_tags and loop.time() >= self._next_poll:
            self._next_poll = loop.time() + self.config.poll_interval_s
            out.extend(s for s in await self.read(self._poll_tags) if self._fresh(s))
        return out

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """The current value of each tag (a configured name or a node id), in order."""
        client = self._connected_client()
        now = self.clock()
        nodes = [self.node_of(t) for t in tags]
        wanted = [(i, n) for i, n in enumerate(nodes) if n is not None]
        values: dict[int, ua.DataValue] = {}
        step = self.config.max_nodes_per_request
        for start in range(0, len(wanted), step):
            chunk = wanted[start : start + step]
            params = ua.ReadParameters()
            params.TimestampsToReturn = ua.TimestampsToReturn.Both
            for _, node in chunk:
                rv = ua.ReadValueId()
                rv.NodeId = node
                rv.AttributeId = AttributeIds.Value
                params.NodesToRead.append(rv)
            results = await self._request(client.uaclient.read(params), "read")
            values.update((i, dv) for (i, _), dv in zip(chunk, results, strict=True))
        return [
            sample_of(t, values[i], now) if i in values
            else Sample.bad(t, now, f"unknown tag {t!r}: not configured and not a node id")
            for i, t in enumerate(tags)
        ]  # fmt: skip

    async def write(self, tag: str, value: Value) -> None:
        """Write ``value`` to the tag's variable, in the variable's own data type."""
        client = self._connected_client()
        node = self.node_of(tag)
        if node is None:
            raise ConnectorError(f"opcua {self.peer}: unknown tag {tag!r}")
        read_params = ua.ReadParameters()
        rv = ua.ReadValueId()
        rv.NodeId = node
        rv.AttributeId = AttributeIds.Value
        read_params.NodesToRead.append(rv)
        (dv,) = await self._request(client.uaclient.read(read_params), "read")
        if (dv.StatusCode is not None and dv.StatusCode.is_bad()) or dv.Value is None:
            why = status_text(dv.StatusCode) if dv.StatusCode is not None else "no value"
            raise ConnectorError(f"opcua {self.peer}: cannot write {tag!r}: {why}")
        vtype = dv.Value.VariantType
        convert = _PY_OF_VARIANT.get(vtype)
        if convert is None:
            raise ConnectorError(f"opcua {self.peer}: cannot write {tag!r} of type {vtype.name}")
        wv = ua.WriteValue()
        wv.NodeId = node
        wv.AttributeId = AttributeIds.Value
        wv.Value = ua.DataValue(ua.Variant(convert(value), vtype))
        params = ua.WriteParameters()
        params.NodesToWrite.append(wv)
        (status,) = await self._request(client.uaclient.write(params), "write")
        if not status.is_good():
            raise ConnectorError(f"opcua {self.peer}: write {tag!r} refused: {status_text(status)}")

    async def browse(self) -> list[TagInfo]:
        """The server's variables (browse path, node id, data type) and the configured tags."""
        client = self._connected_client()
        cfg = self.config
        found = await self._request(
            browse_variables(
                client,
                ua.NodeId.from_string(cfg.browse_root),
                depth=cfg.browse_depth,
                include_standard=cfg.include_standard,
                batch=cfg.max_nodes_per_request,
            ),
            "browse",
            timeout_s=cfg.timeout_s * (cfg.browse_depth + 2),
        )
        name_of = {node.to_string(): name for name, node in self._names.items()}
        tags = [
            TagInfo(name_of.pop(v.node_id, v.path), v.node_id, v.data_type, v.path) for v in found
        ]
        tags += [
            TagInfo(name, node, "", "configured; not found by browsing")
            for node, name in name_of.items()
        ]
        return tags

    def _connected_client(self) -> Client:
        if self._client is None or self._lost:
            raise ConnectorUnavailableError(f"opcua {self.peer}: {self._lost or 'not connected'}")
        return self._client

    async def _request(self, call: Awaitable[_R], what: str, timeout_s: float | None = None) -> _R:
        try:
            async with asyncio.timeout(timeout_s or self.config.timeout_s):
                return await call
        except TimeoutError as err:
            raise ConnectorTimeoutError(f"opcua {self.peer}: {what} timed out") from err
        except CONNECTION_ERRORS as err:
            self._on_lost_text(str(err) or type(err).__name__)
            raise ConnectorUnavailableError(f"opcua {self.peer}: {what}: {err}") from err
