"""The ingest tap keeps the poller's columnar fast path (``receive_batch``) of MQTT connectors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import numpy as np
import pyarrow as pa
import pytest

from smartfactory.config import example_plant
from smartfactory.connectors import ConnectionState, Poller, PollerConfig
from smartfactory.connectors.base import Quality, Sample, SampleBatch
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector
from smartfactory.domain.states import MachineState
from smartfactory.ingest import LiveIngest, restamp, tap
from smartfactory.ingest.runner import restamp_batch
from smartfactory.store import SignalKey
from smartfactory.store.duckdb.backend import DuckDBStore

from .mqtt_helpers import BROKER, require_broker, unique_path

T0 = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)  # inside the example plant's day shift


def _rows(samples: Sequence[Sample]) -> pa.Table:
    return pa.table(
        {
            "tag": pa.array([s.tag for s in samples], pa.string()),
            "ts": pa.array([s.ts for s in samples], BUFFER_SCHEMA.field("ts").type),
            "value": pa.array([float(s.value) for s in samples], pa.float64()),  # type: ignore[arg-type]
        },
        schema=BUFFER_SCHEMA,
    )


def _numeric(n: int) -> list[Sample]:
    out: list[Sample] = []
    for i in range(n):
        ts = T0 + timedelta(seconds=i)
        out += [
            Sample("cnc-01/spindle_temp", ts, 40.0 + i),
            Sample("cnc-01/good_count", ts, float(100 + i)),
            Sample("nobody/x", ts, 1.0),
        ]
    out.append(Sample("cnc-01/state", T0 + timedelta(seconds=2), float(MachineState.PRODUCING)))
    return out


def test_observe_batch_matches_observe_sample_by_sample() -> None:
    samples = _numeric(20)
    text = [Sample("cnc-01/order", T0, "SO-9"), Sample("cnc-01/x", T0, None, Quality.BAD, "gone")]
    one, two = LiveIngest(example_plant()), LiveIngest(example_plant())
    one.observe(samples + text)
    two.observe_batch(SampleBatch(_rows(samples), text))
    assert two.stats == one.stats
    assert two.totals() == one.totals()
    assert two.snapshot() == one.snapshot()
    assert two.stats.samples == len(samples) + len(text)


def test_restamp_batch_restamps_rows_and_samples_of_clocked_machines_only() -> None:
    clock = T0 + timedelta(hours=3)
    rows = [
        Sample("cnc-01/clock_ms", T0, clock.timestamp() * 1000),
        Sample("cnc-01/temp", T0, 1.0),
        Sample("cnc-02/temp", T0, 2.0),
    ]
    text = [Sample("cnc-01/order", T0, "SO-1"), Sample("cnc-02/order", T0, "SO-2")]
    got = restamp_batch(SampleBatch(_rows(rows), text))
    expected = restamp(rows + text)
    assert got.rows.column("ts").to_pylist() == [s.ts for s in expected[:3]]
    assert got.samples == expected[3:]
    plain = SampleBatch(_rows(rows[1:]), [])
    assert restamp_batch(plain) is plain


def test_tapped_mqtt_connector_keeps_the_batch_path(
    store: DuckDBStore, tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_broker()
    path = unique_path()
    n = 200
    keys = {
        "cnc-01/spindle_temp": SignalKey("cnc-01", "spindle_temp"),
        "cnc-01/good_count": SignalKey("cnc-01", "good_count"),
    }
    calls = {"receive": 0, "batch": 0}
    receive_batch = MqttConnector.receive_batch

    async def no_receive(self: MqttConnector, max_wait_s: float) -> list[Sample]:
        calls["receive"] += 1
        raise AssertionError("the poller fell back to receive()")

    async def counted(self: MqttConnector, max_wait_s: float) -> SampleBatch:
        calls["batch"] += 1
        return await receive_batch(self, max_wait_s)

    monkeypatch.setattr(MqttConnector, "receive", no_receive)
    monkeypatch.setattr(MqttConnector, "receive_batch", counted)
    ingest = LiveIngest(example_plant())

    async def scenario() -> Poller:
        conn = tap(
            MqttConnector(MqttConfig(path=path, timeout_s=5)), ingest.observe, ingest.observe_batch
        )
        assert "receive" not in vars(conn)
        poller = Poller(
            conn, keys, store, spill_dir=tmp_path, rng=rng,
            config=PollerConfig(interval_s=0.05, timeout_s=5),
        )  # fmt: skip
        task = asyncio.create_task(poller.run())
        try:
            async with asyncio.timeout(10):
                while poller.state is not ConnectionState.ONLINE:
                    await asyncio.sleep(0.02)
            base = int(datetime.now(UTC).timestamp() * 1000)
            async with asyncio.timeout(10), aiomqtt.Client(*BROKER) as client:
                for i in range(n):
                    for point, value in (("spindle_temp", 40.0 + i), ("good_count", 100 + i)):
                        body = json.dumps({"timestamp_ms": base + i, "value": value})
                        await client.publish(f"{path}/cnc-01/{point}", body, qos=1)
            async with asyncio.timeout(15):
                while poller.stats.good_samples < 2 * n:
                    await asyncio.sleep(0.02)
        finally:
            poller.stop()
            await asyncio.wait_for(task, 10)
        return poller

    poller = asyncio.run(scenario())
    assert calls["receive"] == 0
    assert calls["batch"] > 0
    assert poller.stats.good_samples == 2 * n
    assert ingest.stats.samples == 2 * n  # every sample seen by the live picture exactly once
    assert ingest.stats.rejected == 0
    assert ingest.totals()["cnc-01"] == (n - 1, 0)  # the first count is the baseline
