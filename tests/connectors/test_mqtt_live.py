"""The MQTT connector and publisher against the real Mosquitto broker at 127.0.0.1:1883."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime

import aiomqtt
import pytest

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig, Reason
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector, UnsPublisher
from smartfactory.store import SignalKey

from .mqtt_helpers import BROKER, Relay, require_broker, unique_path

pytestmark = pytest.mark.usefixtures("broker")


@pytest.fixture
def broker() -> None:
    require_broker()


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


async def _publish(path: str, items: list[tuple[str, bytes | str]]) -> None:
    async with asyncio.timeout(10), aiomqtt.Client(*BROKER) as client:
        for suffix, payload in items:
            await client.publish(f"{path}/{suffix}", payload, qos=1)


async def _receive_until(conn: MqttConnector, count: int, timeout_s: float = 10):
    got = []
    async with asyncio.timeout(timeout_s):
        while len(got) < count:
            got += await conn.receive(0.2)
            await conn.acknowledge()
    return got


def test_receives_valid_and_quarantines_garbage() -> None:
    path = unique_path()
    valid = [(f"m{i % 3}/temp", json.dumps({"timestamp_ms": _now_ms() + i, "value": i}))
             for i in range(30)]  # fmt: skip
    garbage: list[tuple[str, bytes | str]] = [
        ("m1/temp", b"{oops"),
        ("m1/temp", json.dumps({"value": None})),
        ("m1/temp", '{"value": NaN}'),
        ("m1/temp", json.dumps({"timestamp_ms": 1, "value": 1})),
        ("m1/temp/deeper", json.dumps({"value": 1})),
        ("m2/temp", json.dumps({"value": "x" * 5000})),
    ]
    mixed = [x for pair in zip(valid, garbage + [valid[0]] * 24, strict=True) for x in pair]
    mixed = [m for i, m in enumerate(mixed) if i % 2 == 0 or i < 12]

    async def scenario() -> tuple[list, MqttConnector]:
        conn = MqttConnector(MqttConfig(path=path, max_payload_bytes=4096, timeout_s=5))
        await conn.connect()
        try:
            await _publish(path, mixed)
            samples = await _receive_until(conn, 30)
            async with asyncio.timeout(10):
                while conn.quarantine.total() < 6:
                    await asyncio.sleep(0.05)
            return samples, conn
        finally:
            await conn.close()

    samples, conn = asyncio.run(scenario())
    assert sorted(s.value for s in samples) == list(range(30))  # every valid sample arrived
    assert conn.quarantine.counts() == {
        Reason.MALFORMED: 2,
        Reason.WRONG_TYPE: 1,
        Reason.NOT_FINITE: 1,
        Reason.TIMESTAMP: 1,
        Reason.OVERSIZED: 1,
    }
    entry = conn.quarantine.entries(reason=Reason.MALFORMED)[-1]
    assert entry.payload == b"{oops"


def test_publish_back_reads_back() -> None:
    path = unique_path()

    async def scenario() -> dict[str, object]:
        conn = MqttConnector(MqttConfig(path=path))
        await conn.connect()
        try:
            now = datetime.now(UTC)
            async with UnsPublisher(MqttConfig(path=path)) as pub:
                await pub.state("press1", "running", now)
                await pub.kpi("press1", "oee", 0.83, now)
                await pub.alert("press1", "bearing temperature high", "warning", now)
            got = await _receive_until(conn, 3)
            return {s.tag: s.value for s in got}
        finally:
            await conn.close()

    got = asyncio.run(scenario())
    assert got == {
        "press1/state": "running",
        "press1/oee": 0.83,
        "press1/alert": "bearing temperature high",
    }


def test_broker_drop_reconnects_and_loses_nothing(store, tmp_path, rng) -> None:
    path = unique_path()
    keys: dict[str, SignalKey] = {}

    def derive(tag: str) -> SignalKey | None:
        machine, _, signal = tag.partition("/")
        return SignalKey(machine, signal)

    async def scenario() -> Poller:
        relay = Relay()
        port = await relay.start()
        config = MqttConfig(path=path, port=port, client_id=f"sf-{uuid.uuid4().hex}", timeout_s=2)
        conn = MqttConnector(config)
        poller = Poller(
            conn, keys, store, spill_dir=tmp_path, rng=rng, derive_key=derive,
            config=PollerConfig(interval_s=0.05, timeout_s=2,
                                backoff=Backoff(initial_s=0.05, max_s=0.2)),
        )  # fmt: skip
        task = asyncio.create_task(poller.run())
        try:
            async with asyncio.timeout(10):
                while poller.state is not ConnectionState.ONLINE:
                    await asyncio.sleep(0.02)
            base = _now_ms()
            batch = [
                ("m1/x", json.dumps({"timestamp_ms": base + i, "value": i})) for i in range(50)
            ]
            await _publish(path, batch[:25])
            async with asyncio.timeout(10):
                while poller.stats.good_samples < 25:
                    await asyncio.sleep(0.02)
            await relay.cut()  # the broker drops away
            async with asyncio.timeout(10):
                while poller.state is not ConnectionState.OFFLINE:
                    await asyncio.sleep(0.02)
            await _publish(path, batch[25:])  # published while we are cut off (session kept)
            await relay.start()
            async with asyncio.timeout(15):
                while poller.stats.good_samples < 50:
                    await asyncio.sleep(0.02)
        finally:
            poller.stop()
            await asyncio.wait_for(task, 10)
            await relay.cut()
        return poller

    poller = asyncio.run(scenario())
    ids = store.signals().column("signal_id").to_pylist()
    rows = store.query_samples(
        ids, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert sorted(rows.column("value").to_pylist()) == [float(i) for i in range(50)]
    assert [t.new for t in poller.transitions][-2:] == [
        ConnectionState.OFFLINE,
        ConnectionState.ONLINE,
    ]


class _CrashError(Exception):
    """The ingest process dies between receiving a message and logging it."""


@pytest.mark.parametrize("manual_ack", [True, False])
def test_message_unlogged_at_a_crash_is_redelivered(store, tmp_path, rng, manual_ack) -> None:
    path = unique_path()
    config = MqttConfig(path=path, client_id=f"sf-{uuid.uuid4().hex}", timeout_s=2,
                        manual_ack=manual_ack)  # fmt: skip
    fast = PollerConfig(interval_s=0.05, timeout_s=2, backoff=Backoff(initial_s=0.05, max_s=0.2))
    keys: dict[str, SignalKey] = {}

    def derive(tag: str) -> SignalKey | None:
        machine, _, signal = tag.partition("/")
        return SignalKey(machine, signal)

    def poller(wal_dir: str) -> Poller:
        return Poller(MqttConnector(config), keys, store, spill_dir=tmp_path / wal_dir, rng=rng,
                      derive_key=derive, config=fast)  # fmt: skip

    def crash(table: object) -> None:
        raise _CrashError

    async def scenario() -> tuple[int, int]:
        first = poller("first")
        assert first.wal is not None
        first.wal.append = crash  # type: ignore[method-assign]
        task = asyncio.create_task(first.run())
        async with asyncio.timeout(10):
            while first.connector._client is None:  # type: ignore[attr-defined]
                await asyncio.sleep(0.02)
        base = _now_ms()
        await _publish(path, [("m1/x", json.dumps({"timestamp_ms": base + i, "value": i}))
                              for i in range(5)])  # fmt: skip
        with pytest.raises(_CrashError):
            await asyncio.wait_for(task, 10)
        assert first.stats.logged_rows == 0
        second = poller("second")
        task = asyncio.create_task(second.run())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                while second.stats.stored_rows < 5:
                    await asyncio.sleep(0.02)
        second.stop()
        await asyncio.wait_for(task, 10)
        third = poller("third")  # what the second acknowledged is not delivered again
        task = asyncio.create_task(third.run())
        await asyncio.sleep(1.0)
        third.stop()
        await asyncio.wait_for(task, 10)
        return second.stats.stored_rows, third.stats.samples

    redelivered, again = asyncio.run(scenario())
    assert again == 0
    if manual_ack:
        assert redelivered == 5
        assert sorted(_all_values(store)) == [0.0, 1.0, 2.0, 3.0, 4.0]
    else:  # paho acknowledged on receipt: the crash lost them (why manual_ack is the default)
        assert redelivered == 0


def _all_values(store) -> list[float]:
    ids = store.signals().column("signal_id").to_pylist()
    rows = store.query_samples(
        ids, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    return [float(v) for v in rows.column("value").to_pylist()]
