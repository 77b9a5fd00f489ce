"""UnsPublishLoop against a real Mosquitto: states, KPIs, alerts, retained values, an outage."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.records import Event
from smartfactory.domain.states import MachineState
from smartfactory.ingest.publish import PublishConfig, UnsPublishLoop
from smartfactory.store import DuckDBStore

from .mqtt_helpers import BROKER, require_broker

MOSQUITTO = "/usr/sbin/mosquitto"
NOW = datetime.now(UTC).replace(microsecond=0)
Message = tuple[str, dict[str, Any], bool]


def _root() -> str:
    return f"sfpub{uuid.uuid4().hex[:10]}/site/area/line"


def _machine(name: str, state: MachineState, oee: float | None) -> MachineSnapshot:
    return MachineSnapshot(
        machine=name, line="line", state=state, since=NOW - timedelta(minutes=5), reason="",
        order="SO-1", product="shaft-a", good=40, scrap=2, availability=0.9,
        performance=0.8 if oee is not None else None, quality=40 / 42, oee=oee,
    )  # fmt: skip


class FakeLive:
    def snapshot(self) -> PlantSnapshot:
        machines = (
            _machine("cnc-01", MachineState.PRODUCING, 0.65),
            _machine("cnc-02", MachineState.UNPLANNED_STOP, None),
        )
        return PlantSnapshot(timestamp=NOW, shift="day", machines=machines)


@dataclass(frozen=True)
class Reading:
    machine: str
    updated: datetime
    health: float
    alert: bool


class FakeHealth:
    def __init__(self) -> None:
        self.alerting: set[str] = set()

    def readings(self) -> list[Reading]:
        return [Reading(m, NOW, 0.3 if m in self.alerting else 0.9, m in self.alerting)
                for m in ("cnc-01", "cnc-02")]  # fmt: skip


async def _collect(
    port: int, root: str, done: Callable[[list[Message]], bool], timeout_s: float = 15
) -> list[Message]:
    got: list[Message] = []
    async with asyncio.timeout(timeout_s), aiomqtt.Client("127.0.0.1", port) as client:
        await client.subscribe(f"{root}/#", qos=1)
        async for m in client.messages:
            payload = m.payload if isinstance(m.payload, bytes) else b""
            if payload:
                got.append((str(m.topic)[len(root) + 1 :], json.loads(payload), m.retain))
            if done(got):
                return got
    return got


def _topics(got: list[Message]) -> list[str]:
    return [t for t, _, _ in got]


async def _clear_retained(port: int, root: str, topics: set[str]) -> None:
    async with asyncio.timeout(10), aiomqtt.Client("127.0.0.1", port) as client:
        for t in topics:
            await client.publish(f"{root}/{t}", b"", qos=1, retain=True)


def test_states_kpis_and_alerts_arrive_once_and_state_is_retained(tmp_path: Path) -> None:
    require_broker()
    root = _root()
    store = DuckDBStore(tmp_path / "pub.duckdb")
    health = FakeHealth()
    health.alerting.add("cnc-02")
    config = PublishConfig(topic_root=root, port=BROKER[1], interval_s=0.1)
    loop = UnsPublishLoop(config, FakeLive(), store=store, health=health, clock=lambda: NOW)

    async def scenario() -> tuple[list[Message], list[Message]]:
        async def run() -> list[Message]:
            def done(g: list[Message]) -> bool:
                return loop.stats.rounds >= 8 and "cnc-01/alert" in _topics(g) and len(g) > 40

            return await _collect(BROKER[1], root, done)

        task = asyncio.create_task(run())
        await asyncio.sleep(0.3)  # subscribed before the first round
        store.write_events([
            Event(NOW + timedelta(seconds=1), "spc_alert", "spc", "rule 1: point beyond 3 sigma",
                  {"machine": "cnc-01", "severity": "critical"}),
            Event(NOW + timedelta(seconds=1), "failure", "cnc-01", "not an alert"),
        ])  # fmt: skip
        loop.start()
        try:
            live = await task
        finally:
            await asyncio.to_thread(loop.stop)
        late = await _collect(BROKER[1], root, lambda g: len(g) >= 12, timeout_s=5)
        await _clear_retained(BROKER[1], root, {t for t, _, _ in late})
        return live, late

    try:
        live, late = asyncio.run(scenario())
    finally:
        store.close()
    by_topic: dict[str, dict[str, Any]] = {t: p for t, p, _ in live}
    assert by_topic["cnc-01/state"] == {
        "timestamp_ms": round(NOW.timestamp() * 1000),
        "value": "producing",
        "since_ms": round((NOW - timedelta(minutes=5)).timestamp() * 1000),
        "reason": "",
        "order": "SO-1",
        "product": "shaft-a",
    }
    assert by_topic["cnc-02/state"]["value"] == "unplanned_stop"
    assert by_topic["cnc-01/oee"]["value"] == pytest.approx(0.65)
    assert by_topic["cnc-01/good"]["value"] == 40
    assert by_topic["cnc-01/scrap"]["value"] == 2
    assert "cnc-02/oee" not in by_topic and "cnc-02/performance" not in by_topic  # unknown
    alerts = [(t, p) for t, p, _ in live if t.endswith("/alert")]
    assert len(alerts) == 2  # each once, though many rounds ran
    assert by_topic["cnc-01/alert"]["severity"] == "critical"
    assert by_topic["cnc-01/alert"]["source"] == "spc_alert"
    assert by_topic["cnc-02/alert"]["source"] == "health"
    assert all(not r for t, _, r in live if t.endswith("/alert"))
    late_topics = {t: (p, r) for t, p, r in late}
    assert late_topics["cnc-01/state"][1] is True  # retained: a late subscriber sees it at once
    assert late_topics["cnc-01/state"][0]["value"] == "producing"
    assert late_topics["cnc-01/oee"][1] is True
    assert not any(t.endswith("/alert") for t in late_topics)
    assert loop.stats.failures == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _broker(port: int, folder: Path) -> subprocess.Popen[bytes]:
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("private mosquitto did not start")


def test_a_broker_outage_is_survived(tmp_path: Path) -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    root, port = _root(), _free_port()
    health = FakeHealth()
    config = PublishConfig(
        topic_root=root, port=port, interval_s=0.1, timeout_s=1, max_backoff_s=0.4
    )
    loop = UnsPublishLoop(config, FakeLive(), health=health, clock=lambda: NOW)
    proc = _broker(port, tmp_path)

    async def scenario() -> list[Message]:
        nonlocal proc
        loop.start()
        try:
            await _collect(port, root, lambda g: "cnc-01/state" in _topics(g))
            proc.kill()
            proc.wait(10)
            async with asyncio.timeout(10):
                while loop.stats.failures < 2:
                    await asyncio.sleep(0.05)
            health.alerting.add("cnc-01")  # raised while the broker is away: queued
            await asyncio.sleep(0.5)
            proc = _broker(port, tmp_path)
            return await _collect(port, root, lambda g: "cnc-01/alert" in _topics(g))
        finally:
            await asyncio.to_thread(loop.stop)

    try:
        after = asyncio.run(scenario())
    finally:
        proc.kill()
        proc.wait(10)
    assert "cnc-01/alert" in _topics(after)
    assert loop.stats.connects >= 2
    assert loop.stats.failures >= 2
    assert not loop.stats.connected or loop.stats.messages > 0
