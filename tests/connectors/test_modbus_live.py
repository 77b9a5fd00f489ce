"""The Modbus connector against a real pymodbus TCP server on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig
from smartfactory.connectors.errors import ConnectorUnavailableError
from smartfactory.connectors.modbus import ModbusConfig, ModbusConnector, encode_value
from smartfactory.connectors.modbus.codec import Order, RegisterType
from smartfactory.store import SignalKey

from .modbus_server import ModbusTestServer

TAGS = [
    {"name": "speed", "address": 0, "data_type": "int16"},
    {"name": "count", "address": 1, "data_type": "uint32", "word_order": "little"},
    {"name": "temp", "address": 3, "data_type": "float32", "byte_order": "little"},
    {"name": "energy", "address": 5, "data_type": "float64"},
    {"name": "label", "address": 9, "data_type": "string", "length": 3},
    {"name": "pressure", "table": "input", "address": 0, "data_type": "uint16", "scale": 0.1,
     "offset": -5},
    {"name": "running", "table": "coil", "address": 7, "data_type": "bool"},
    {"name": "door", "table": "discrete", "address": 2, "data_type": "bool"},
    {"name": "far", "address": 2990, "data_type": "uint16"},
    {"name": "other_unit", "address": 0, "data_type": "uint16", "unit_id": 2},
    {"name": "missing_unit", "address": 0, "data_type": "uint16", "unit_id": 9},
    {"name": "out_of_range", "address": 2999, "data_type": "float32"},
]  # fmt: skip


async def _fill(server: ModbusTestServer) -> None:
    await server.set("holding", 0, encode_value(-7, RegisterType.INT16))
    await server.set("holding", 1, encode_value(70000, RegisterType.UINT32, Order.LITTLE))
    await server.set(
        "holding", 3, encode_value(21.5, RegisterType.FLOAT32, byte_order=Order.LITTLE)
    )
    await server.set("holding", 5, encode_value(1e10 + 0.25, RegisterType.FLOAT64))
    await server.set("holding", 9, encode_value("AB-7", RegisterType.STRING, length=3))
    await server.set("input", 0, [1234])
    await server.set("coil", 7, [True])
    await server.set("discrete", 2, [True])
    await server.set("holding", 2990, [42])
    await server.set("holding", 0, [77], unit=2)


def _connector(port: int, **kw) -> ModbusConnector:
    return ModbusConnector(ModbusConfig(port=port, timeout_s=1.0, tags=TAGS, **kw))  # type: ignore[arg-type]


def test_reads_every_type_table_and_unit() -> None:
    async def scenario() -> dict[str, object]:
        server = ModbusTestServer(unit_ids=(1, 2))
        port = await server.start()
        try:
            await _fill(server)
            conn = _connector(port)
            await conn.connect()
            try:
                names = [t["name"] for t in TAGS]
                samples = await conn.read(names)
                assert conn.requests == 8  # holding 0..11, 2990, 2999; unit 2, 9; input; coil; di
                return {s.tag: (s.value if s.ok else s.error) for s in samples}
            finally:
                await conn.close()
        finally:
            await server.stop()

    got = asyncio.run(scenario())
    assert got["speed"] == -7
    assert got["count"] == 70000
    assert got["temp"] == 21.5
    assert got["energy"] == 1e10 + 0.25
    assert got["label"] == "AB-7"
    assert got["pressure"] == pytest.approx(118.4)
    assert got["running"] is True
    assert got["door"] is True
    assert got["far"] == 42
    assert got["other_unit"] == 77
    assert "exception 4" in str(got["missing_unit"])  # device 9 does not exist: bad, no raise
    assert "exception 2" in str(got["out_of_range"])  # illegal data address


def test_write_and_read_back() -> None:
    async def scenario() -> list[object]:
        server = ModbusTestServer()
        port = await server.start()
        conn = _connector(port)
        try:
            await conn.connect()
            await conn.write("temp", -3.25)
            await conn.write("running", True)
            await conn.write("label", "XY")
            return [s.value for s in await conn.read(["temp", "running", "label"])]
        finally:
            await conn.close()
            await server.stop()

    assert asyncio.run(scenario()) == [-3.25, True, "XY"]


def test_unreachable_server_raises_unavailable() -> None:
    async def scenario() -> None:
        server = ModbusTestServer()
        port = await server.start()
        await server.stop()  # the port is now closed
        conn = _connector(port)
        with pytest.raises(ConnectorUnavailableError):
            await conn.connect()
        await conn.close()

    asyncio.run(scenario())


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


async def _until(condition, timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)


def test_server_restart_reconnects_without_losing_samples(store, tmp_path, rng) -> None:
    keys = {"speed": SignalKey("press", "speed"), "door": SignalKey("press", "door")}
    config = PollerConfig(
        interval_s=0.02, timeout_s=0.5, backoff=Backoff(initial_s=0.02, max_s=0.1)
    )

    async def scenario() -> Poller:
        server = ModbusTestServer()
        port = await server.start()
        await server.set("holding", 0, [5])
        conn = ModbusConnector(
            ModbusConfig(port=port, timeout_s=0.5, tags=TAGS[:1] + TAGS[7:8]),  # type: ignore[list-item]
            clock=StepClock(),
        )
        poller = Poller(conn, keys, store, spill_dir=tmp_path, rng=rng, config=config)
        task = asyncio.create_task(poller.run())
        try:
            await _until(lambda: poller.stats.cycles >= 5)
            await server.stop()
            await _until(lambda: poller.state is ConnectionState.OFFLINE)
            await server.start()  # same port, values restored
            await _until(lambda: poller.state is ConnectionState.ONLINE)
            cycles = poller.stats.cycles
            await _until(lambda: poller.stats.cycles >= cycles + 5)
        finally:
            poller.stop()
            await asyncio.wait_for(task, 5)
            await server.stop()
        return poller

    poller = asyncio.run(scenario())
    states = [t.new for t in poller.transitions]
    assert states == [
        ConnectionState.CONNECTING,
        ConnectionState.ONLINE,
        ConnectionState.OFFLINE,
        ConnectionState.ONLINE,
    ]
    ids = store.signals().column("signal_id").to_pylist()
    rows = store.query_samples(
        ids, datetime(2023, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert rows.num_rows == poller.stats.good_samples == 2 * poller.stats.cycles  # none lost
    assert poller.stats.bad_samples == 0
