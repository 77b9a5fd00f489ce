"""Publishing back on the UNS: machine states, KPIs and alerts for other plant tools.

Every message is JSON ``{"timestamp_ms": ..., "value": ...}`` (alerts add ``severity`` and
``text``) on ``<enterprise>/<site>/<area>/<line>/<machine>/<name>``, so the MQTT connector
and any UNS consumer read them back. States and KPIs are retained (a new subscriber sees the
current one at once); alerts are not.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime
from types import TracebackType

import aiomqtt

from smartfactory.connectors.errors import ConnectorTimeoutError, ConnectorUnavailableError
from smartfactory.connectors.mqtt.config import MqttConfig
from smartfactory.connectors.mqtt.uns import signal_topic

__all__ = ["UnsPublisher"]


class UnsPublisher:
    """An open connection that publishes on the UNS; use as ``async with``."""

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self._client: aiomqtt.Client | None = None

    async def __aenter__(self) -> UnsPublisher:
        cfg = self.config
        client = aiomqtt.Client(
            cfg.host, cfg.port, username=cfg.username, password=cfg.password, timeout=cfg.timeout_s
        )
        try:
            async with asyncio.timeout(cfg.timeout_s):
                await client.__aenter__()
        except TimeoutError as err:
            raise ConnectorTimeoutError(f"mqtt {cfg.host}:{cfg.port}: connect timed out") from err
        except aiomqtt.MqttError as err:
            raise ConnectorUnavailableError(f"mqtt {cfg.host}:{cfg.port}: {err}") from err
        self._client = client
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            async with asyncio.timeout(self.config.timeout_s):
                await client.__aexit__(exc_type, exc, tb)

    async def publish(
        self, machine: str, name: str, payload: dict[str, object], *, retain: bool = False
    ) -> None:
        """Publish ``payload`` as JSON on ``<path>/<machine>/<name>``."""
        if self._client is None:
            raise ConnectorUnavailableError("UnsPublisher used outside 'async with'")
        topic = signal_topic(self.config.path, machine, name)
        data = json.dumps(payload, allow_nan=False, separators=(",", ":"))
        try:
            async with asyncio.timeout(self.config.timeout_s):
                await self._client.publish(topic, data, qos=self.config.qos, retain=retain)
        except TimeoutError as err:
            raise ConnectorTimeoutError(f"mqtt: publishing {topic} timed out") from err
        except aiomqtt.MqttError as err:
            raise ConnectorUnavailableError(f"mqtt: publishing {topic}: {err}") from err

    async def state(self, machine: str, state: str, ts: datetime, reason: str = "") -> None:
        """Publish a machine's state (e.g. ``running``) as ``<machine>/state``, retained."""
        payload: dict[str, object] = {"timestamp_ms": _ms(ts), "value": state}
        if reason:
            payload["reason"] = reason
        await self.publish(machine, "state", payload, retain=True)

    async def kpi(self, machine: str, name: str, value: float, ts: datetime) -> None:
        """Publish a KPI (e.g. ``oee``) of a machine, retained."""
        if not math.isfinite(value):
            raise ValueError(f"KPI {name} must be finite, got {value}")
        await self.publish(machine, name, {"timestamp_ms": _ms(ts), "value": value}, retain=True)

    async def alert(self, machine: str, text: str, severity: str, ts: datetime) -> None:
        """Publish an alert of a machine as ``<machine>/alert``."""
        payload: dict[str, object] = {
            "timestamp_ms": _ms(ts),
            "value": text,
            "severity": severity,
        }
        await self.publish(machine, "alert", payload)


def _ms(ts: datetime) -> int:
    return round(ts.timestamp() * 1000)
