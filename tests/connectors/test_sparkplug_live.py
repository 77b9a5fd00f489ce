"""The Sparkplug B connector against the Mosquitto broker at 127.0.0.1:1883."""

from __future__ import annotations

import asyncio

import aiomqtt

from smartfactory.connectors.quarantine import Reason
from smartfactory.connectors.sparkplug import (
    DataType,
    Metric,
    Payload,
    SparkplugConfig,
    SparkplugConnector,
    decode_payload,
    encode_payload,
)

from .mqtt_helpers import BROKER, require_broker, unique_path


def test_rebirth_request_births_aliases_and_garbage() -> None:
    require_broker()
    group = unique_path().split("/")[0]
    base = f"spBv1.0/{group}"

    async def scenario() -> None:
        conn = SparkplugConnector(SparkplugConfig(group=group, rebirth_interval_s=0))
        await conn.connect()
        try:
            async with asyncio.timeout(10), aiomqtt.Client(*BROKER) as edge:
                await edge.subscribe(f"{base}/NCMD/e1", qos=1)
                data = Payload(1, [Metric(alias=1, datatype=DataType.DOUBLE, value=2.0)], seq=3)
                await edge.publish(f"{base}/NDATA/e1", encode_payload(data), qos=1)
                async for message in edge.messages:  # the connector asks for a rebirth
                    assert isinstance(message.payload, bytes)
                    (metric,) = decode_payload(message.payload).metrics
                    assert metric.name == "Node Control/Rebirth" and metric.value is True
                    break
                birth = Payload(2, [Metric("temp", 1, None, DataType.DOUBLE, 1.0)], seq=0)
                await edge.publish(f"{base}/NBIRTH/e1", encode_payload(birth), qos=1)
                await edge.publish(f"{base}/NDATA/e1", b"\x12\x05garbage", qos=1)
                data = Payload(3, [Metric(alias=1, datatype=DataType.DOUBLE, value=3.0)], seq=1)
                await edge.publish(f"{base}/NDATA/e1", encode_payload(data), qos=1)
                got: list[tuple[str, object]] = []
                while len(got) < 2:
                    got += [(s.tag, s.value) for s in await conn.receive(5.0)]
        finally:
            await conn.close()
        assert got == [("e1/temp", 1.0), ("e1/temp", 3.0)]
        assert conn.rebirths_sent >= 1
        assert conn.quarantine.counts()[Reason.MALFORMED] == 1
        assert conn.quarantine.counts()[Reason.UNKNOWN_SIGNAL] == 1  # alias 1 before the birth

    asyncio.run(scenario())
