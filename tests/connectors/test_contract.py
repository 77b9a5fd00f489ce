"""check_connector() over every registered connector, each against a real peer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiomqtt
import pytest

from smartfactory.connectors import discover
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.connectors.modbus import ModbusConfig, ModbusConnector
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector
from smartfactory.connectors.opcua import OpcUaConfig, OpcUaConnector
from smartfactory.connectors.sparkplug import (
    DataType,
    Metric,
    Payload,
    SparkplugConfig,
    SparkplugConnector,
    encode_payload,
)
from smartfactory.connectors.testing import ConnectorCase, ContractError, check_connector

from .modbus_server import ModbusTestServer
from .mqtt_helpers import BROKER, require_broker, unique_path
from .opcua_server import OpcUaTestServer


@asynccontextmanager
async def _memory() -> AsyncIterator[ConnectorCase]:
    conn = MemoryConnector(MemoryConfig(tags={"a": 1.5, "b": 2, "c": True}))
    yield ConnectorCase(conn, ["a", "b", "c"], bad_tag="nope", write=("b", 7))


@asynccontextmanager
async def _modbus() -> AsyncIterator[ConnectorCase]:
    server = ModbusTestServer()
    port = await server.start()
    tags = [
        {"name": "a", "address": 0, "data_type": "float32"},
        {"name": "c", "table": "coil", "address": 3, "data_type": "bool"},
        {"name": "bad", "address": 2999, "data_type": "float64"},
    ]
    try:
        conn = ModbusConnector(ModbusConfig(port=port, timeout_s=2, tags=tags))  # type: ignore[arg-type]
        yield ConnectorCase(conn, ["a", "c"], bad_tag="bad", write=("a", 2.5))
    finally:
        await server.stop()


@asynccontextmanager
async def _mqtt() -> AsyncIterator[ConnectorCase]:
    require_broker()
    path = unique_path()

    async def prepare() -> None:
        async with asyncio.timeout(5), aiomqtt.Client(*BROKER) as client:
            await client.publish(f"{path}/m1", json.dumps({"t": 1.0, "s": "ok"}), qos=1)

    yield ConnectorCase(MqttConnector(MqttConfig(path=path)), ["m1/t", "m1/s"], "m1/none",
                        prepare=prepare)  # fmt: skip


@asynccontextmanager
async def _opcua() -> AsyncIterator[ConnectorCase]:
    server = OpcUaTestServer()
    await asyncio.to_thread(server.start)
    try:
        tags = [{"name": "speed", "node_id": server.node_id("Press.Speed")},
                {"name": "running", "node_id": server.node_id("Press.Running")}]  # fmt: skip
        conn = OpcUaConnector(OpcUaConfig.model_validate({"url": server.url, "tags": tags}))
        yield ConnectorCase(conn, ["speed", "running"], bad_tag=f"ns={server.ns};s=Nope",
                            write=("speed", 2.5))  # fmt: skip
    finally:
        await asyncio.to_thread(server.stop)


@asynccontextmanager
async def _sparkplug() -> AsyncIterator[ConnectorCase]:
    require_broker()
    group = unique_path().split("/")[0]
    birth = Payload(1, [Metric("t", 1, None, DataType.DOUBLE, 1.0),
                        Metric("s", 2, None, DataType.STRING, "ok")], seq=0)  # fmt: skip

    async def prepare() -> None:
        async with asyncio.timeout(5), aiomqtt.Client(*BROKER) as client:
            await client.publish(f"spBv1.0/{group}/NBIRTH/e1", encode_payload(birth), qos=1)

    yield ConnectorCase(SparkplugConnector(SparkplugConfig(group=group)), ["e1/t", "e1/s"],
                        "e1/none", prepare=prepare)  # fmt: skip


HARNESSES: dict[str, Callable[[], AbstractAsyncContextManager[ConnectorCase]]] = {
    "memory": _memory,
    "modbus": _modbus,
    "mqtt": _mqtt,
    "opcua": _opcua,
    "sparkplug": _sparkplug,
}


@pytest.mark.parametrize("kind", sorted(discover()))
def test_every_registered_connector_honours_the_contract(kind: str) -> None:
    assert kind in HARNESSES, f"registered connector {kind!r} has no contract harness"

    async def run() -> None:
        async with HARNESSES[kind]() as case:
            assert type(case.connector).info.kind == kind
            await check_connector(case)

    asyncio.run(run())


class NoBadSamples(MemoryConnector):
    """Breaks the contract: raises on an unknown tag instead of a bad sample."""

    async def read(self, tags):  # type: ignore[no-untyped-def]
        missing = [t for t in tags if t not in self.values]
        if missing:
            raise KeyError(missing[0])
        return await super().read(tags)


def test_check_connector_catches_a_violation() -> None:
    case = ConnectorCase(NoBadSamples(MemoryConfig(tags={"a": 1})), ["a"], bad_tag="zz",
                         write=("a", 2))  # fmt: skip
    with pytest.raises(KeyError):
        asyncio.run(check_connector(case))

    class WrongOrder(MemoryConnector):
        async def read(self, tags):  # type: ignore[no-untyped-def]
            return list(reversed(await super().read(tags)))

    case = ConnectorCase(WrongOrder(MemoryConfig(tags={"a": 1, "b": 2})), ["a", "b"], "zz",
                         write=("a", 2))  # fmt: skip
    with pytest.raises(ContractError, match="order"):
        asyncio.run(check_connector(case))
