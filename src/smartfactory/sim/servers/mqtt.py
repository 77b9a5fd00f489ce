"""The virtual factory as an MQTT publisher on the Unified Namespace (aiomqtt).

Each machine's points go to ``<root>/<site>/<area>/<line>/<machine>/<point>`` as
``{"timestamp_ms": <simulated time>, "value": ...}`` (QoS 1 by default), exactly what the UNS
connector (:mod:`smartfactory.connectors.mqtt.uns`) reads. Sensors are published every
``sensor_s`` seconds (our UNS connector takes about one message per poller cycle, so the rate
is kept modest); status points (state, counters, order, product, reason) by exception, when
they change, and all of them again every ``refresh_s`` seconds so a late subscriber learns
them (an integrity period, as SCADA practice has it). A sensor without a value (NaN) is not
published. A publisher binds nothing: ``host``/``port`` are the broker's. A lost broker makes
``publish`` raise ConnectorUnavailableError; the next tick connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Sequence

import aiomqtt

from smartfactory.errors import ConnectorTimeoutError, ConnectorUnavailableError
from smartfactory.sim.servers.address_map import AddressMap, PointKind, Protocol
from smartfactory.sim.servers.values import MachineValues

__all__ = ["MqttFactoryServer", "point_value"]

_CONCURRENT = 10  # publishes awaited at once


def point_value(kind: PointKind, values: MachineValues, name: str) -> float | int | str | None:
    """The value of one point of a machine (None: nothing to publish)."""
    if kind is PointKind.SENSOR:
        v = values.sensors.get(name, math.nan)
        return None if math.isnan(v) else v
    table: dict[PointKind, float | int | str] = {
        PointKind.STATE: int(values.state),
        PointKind.GOOD: values.good,
        PointKind.SCRAP: values.scrap,
        PointKind.ORDER: values.order,
        PointKind.PRODUCT: values.product,
        PointKind.REASON: values.reason,
        PointKind.CLOCK: values.timestamp_ms,
    }
    return table.get(kind)


class MqttFactoryServer:
    """Publishes the plant's machines on the UNS of a broker."""

    def __init__(
        self,
        amap: AddressMap,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        root: str | None = None,
        qos: int = 1,
        timeout_s: float = 5.0,
        refresh_s: float = 5.0,
        sensor_s: float = 2.0,
    ) -> None:
        self.amap = amap
        self.host = host
        self._port = port
        self.root = root
        self.qos = qos
        self.timeout_s = timeout_s
        self.refresh_s = refresh_s
        self.sensor_s = sensor_s
        self._sensed = -math.inf
        self.published = 0
        self._client: aiomqtt.Client | None = None
        self._last: dict[str, float | int | str] = {}
        self._refreshed = -math.inf

    @property
    def endpoint(self) -> str:
        """The broker, ``mqtt://host:port``."""
        return f"mqtt://{self.host}:{self._port}"

    @property
    def port(self) -> int:
        """The broker's port."""
        return self._port

    async def start(self) -> None:
        """Connect to the broker."""
        await self._connect()

    async def _connect(self) -> aiomqtt.Client:
        if self._client is not None:
            return self._client
        client = aiomqtt.Client(self.host, self._port, timeout=self.timeout_s)
        peer = f"mqtt {self.host}:{self._port}"
        try:
            async with asyncio.timeout(self.timeout_s):
                await client.__aenter__()
        except TimeoutError as err:
            raise ConnectorTimeoutError(f"{peer}: connect timed out") from err
        except aiomqtt.MqttError as err:
            raise ConnectorUnavailableError(f"{peer}: {err}") from err
        self._client = client
        return client

    async def publish(self, values: Sequence[MachineValues]) -> None:
        """Publish every point of every machine."""
        client = await self._connect()
        now = time.monotonic()
        refresh = now - self._refreshed >= self.refresh_s
        sense = now - self._sensed >= self.sensor_s
        messages: list[tuple[str, bytes]] = []
        changed: dict[str, float | int | str] = {}
        for v in values:
            m = self.amap.machine(v.machine)
            for p in m.points(Protocol.MQTT):
                value = point_value(p.kind, v, p.name)
                if value is None:
                    continue
                topic = m.topic(self.root or m.path[0], p.name)
                if (
                    p.kind is not PointKind.SENSOR
                    and not refresh
                    and self._last.get(topic) == value
                ):
                    continue
                changed[topic] = value
                payload = json.dumps({"timestamp_ms": v.timestamp_ms, "value": value})
                messages.append((topic, payload.encode()))
        try:
            async with asyncio.timeout(self.timeout_s):
                for i in range(0, len(messages), _CONCURRENT):  # aiomqtt warns above 10
                    await asyncio.gather(
                        *(
                            client.publish(t, payload, qos=self.qos)
                            for t, payload in messages[i : i + _CONCURRENT]
                        )
                    )
        except (aiomqtt.MqttError, TimeoutError) as err:
            await self.stop()
            self._refreshed = self._sensed = -math.inf  # all again after reconnecting
            raise ConnectorUnavailableError(f"mqtt {self.host}:{self._port}: {err}") from err
        self._last.update(changed)
        self.published += len(messages)
        if refresh:
            self._refreshed = now
        if sense:
            self._sensed = now

    async def stop(self) -> None:
        """Disconnect."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                async with asyncio.timeout(self.timeout_s):
                    await client.__aexit__(None, None, None)
