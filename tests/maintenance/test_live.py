"""Live health from the store: derived rows, readings, service functions, a real-time run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.config import example_plant
from smartfactory.domain.states import MachineState
from smartfactory.errors import NotFoundError
from smartfactory.maintenance.health import HealthModel
from smartfactory.maintenance.live import LiveMaintenance, trend_rul
from smartfactory.maintenance.live_bench import bench_live
from smartfactory.maintenance.service import machine_health, plant_health
from smartfactory.maintenance.versions import ModelRegistry
from smartfactory.sim import FactorySimulation
from smartfactory.store import SAMPLE_SCHEMA, STATE_SCHEMA, SignalKey, open_store
from smartfactory.store.base import Store

T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)
NAMES = ("current", "temperature", "vibration")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = open_store(tmp_path / "plant.duckdb")
    yield db
    db.close()


def write(store: Store, machine: str, start: int, n: int, shift: float = 0.0) -> None:
    """``n`` one-minute samples of 3 correlated signals from minute ``start``; producing."""
    ids = store.register_signals([SignalKey(machine, name) for name in NAMES])
    rng = np.random.default_rng(start + len(machine))
    base = rng.normal(size=(n, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1.0]])
    values = base + np.array([10.0, 60.0, 2.0])
    values[:, 2] += shift
    ts = np.array([(T0 + timedelta(minutes=start + i)).timestamp() * 1e6 for i in range(n)])
    sid = np.repeat([ids[(machine, name)] for name in NAMES], n)
    store.write_samples(
        pa.Table.from_arrays(
            [
                pa.array(sid, type=pa.int32()),
                pa.array(np.tile(ts.astype(np.int64), 3)).cast(SAMPLE_SCHEMA.field("ts").type),
                pa.array(values.T.reshape(-1)),
            ],
            schema=SAMPLE_SCHEMA,
        )
    )
    store.write_states(
        pa.Table.from_pylist(
            [
                {
                    "machine": machine,
                    "start": T0,
                    "end": None,
                    "state": int(MachineState.PRODUCING),
                    "reason": "",
                    "order_id": "",
                    "product": "",
                }
            ],
            schema=STATE_SCHEMA,
        )
    )


def derived(store: Store, machine: str) -> dict[str, int]:
    sig = [r for r in store.signals().to_pylist() if r["machine"] == machine]
    ids = {r["signal_id"]: r["name"] for r in sig if r["kind"] == "derived"}
    table = store.query_samples(list(ids), T0 - timedelta(days=1), T0 + timedelta(days=30))
    counts: dict[str, int] = {}
    for sid in table.column("signal_id").to_pylist():
        counts[ids[sid]] = counts.get(ids[sid], 0) + 1
    return counts


def test_poll_writes_health_and_rul_rows(store: Store) -> None:
    write(store, "m1", 0, 400)
    write(store, "m2", 0, 400)
    live = LiveMaintenance(store, backfill=timedelta(days=1), trend_after=100)
    assert live.poll() == 800
    assert live.poll() == 0  # nothing new
    counts = derived(store, "m1")
    # health is published once 30 rows are learnt
    assert 300 <= counts["health"] == counts["anomaly_score"] < 400
    assert counts["rul_h"] == counts["rul_h_p10"] == counts["rul_h_p90"] == 1
    before = live.reading("m1")
    assert before is not None and before.health > 85
    write(store, "m1", 400, 300, shift=6.0)  # vibration moves away
    assert live.poll() == 300
    reading = live.reading("m1")
    assert reading is not None
    assert reading.health < 80
    assert reading.anomaly_score > 5
    assert reading.contributions[0].signal == "vibration"
    assert reading.model_version == "online"
    assert reading.rul_h is not None
    assert reading.rul_h_p10 is not None
    assert reading.rul_h_p90 is not None
    assert reading.rul_h_p10 <= reading.rul_h <= reading.rul_h_p90
    assert reading.rul_h < 720
    other = machine_health(live, "m2")
    assert other.health > 60
    assert [h.machine for h in plant_health(live)] == ["m1", "m2"]
    from_store = machine_health(store, "m1")
    assert from_store.health == pytest.approx(reading.health)
    assert from_store.contributions == ()
    assert [h.machine for h in plant_health(store)] == ["m1", "m2"]
    with pytest.raises(NotFoundError):
        machine_health(live, "nope")
    with pytest.raises(NotFoundError):
        machine_health(store, "nope")


def test_the_promoted_health_model_is_loaded(store: Store, tmp_path: Path) -> None:
    write(store, "m1", 0, 200)
    registry = ModelRegistry(store, tmp_path / "models")
    model = HealthModel()
    mv = registry.save("health", "m1", model, features=NAMES, params={}, metrics={})
    registry.promote(mv.id)
    live = LiveMaintenance(store, registry, backfill=timedelta(days=1))
    live.poll()
    reading = live.reading("m1")
    assert reading is not None
    assert reading.model_version == "health/m1/v1"
    assert machine_health(store, "m1", registry).model_version == "health/m1/v1"


def test_trend_rul_extrapolates_a_falling_health() -> None:
    t = np.arange(48.0)
    health = 90.0 - 0.5 * t + np.random.default_rng(0).normal(scale=0.5, size=48)
    median, p10, p90 = trend_rul(t, health, 25.0, 720.0)
    assert median == pytest.approx((90 - 0.5 * 47 - 25) / 0.5, rel=0.1)
    assert p10 < median < p90
    assert trend_rul(t, np.full(48, 80.0), 25.0, 720.0) == (720.0, 720.0, 720.0)


def test_live_on_a_real_time_simulation(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sim.duckdb")
    sim = FactorySimulation(example_plant(), store, seed=1, start=T0, speed=3600.0)
    live = LiveMaintenance(store, poll_s=0.2, warmup=30, trend_after=50)
    worker = threading.Thread(target=sim.run, args=(None,), name="sim")
    worker.start()
    live.start()
    try:  # until 10 machines have learnt a baseline (about 6 s on an idle box)
        deadline = time.monotonic() + 25.0
        while len(live.readings()) < 10 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1.0)
    finally:
        sim.stop()
        worker.join(timeout=30)
        live.stop()
    live.poll()
    try:
        readings = plant_health(live)
        assert len(readings) >= 10
        assert live.errors == 0
        assert all(0.0 <= r.health <= 100.0 for r in readings)
        assert any(r.rul is not None for r in readings)
        assert derived(store, readings[0].machine)["health"] > 0
        assert len(plant_health(store)) == len(readings)
    finally:
        store.close()


def test_machines_without_data_do_not_hold_the_cursor_back(store: Store) -> None:
    write(store, "m1", 0, 60)
    store.register_signals([SignalKey("quiet", "x")])
    live = LiveMaintenance(store, backfill=timedelta(days=1))
    assert live.poll() == 60
    assert live.reading("quiet") is None
    write(store, "m1", 60, 5)
    assert live.poll() == 5


def test_the_throughput_benchmark_runs() -> None:
    out = bench_live(machines=3, seconds=2, signals=2)
    assert out["rows"] == 6
    assert out["poll_ms_mean"] > 0


def test_rows_outside_production_are_not_scored_and_health_holds(store: Store) -> None:
    write(store, "m1", 0, 300)
    live = LiveMaintenance(store, backfill=timedelta(days=1))
    assert live.poll() == 300
    held = live.reading("m1")
    assert held is not None and held.health > 85
    write(store, "m1", 300, 60, shift=-50.0)  # idle: sensors read far from production
    store.write_states(
        pa.Table.from_pylist(
            [
                {
                    "machine": "m1",
                    "start": T0 + timedelta(minutes=300),
                    "end": None,
                    "state": int(MachineState.IDLE),
                    "reason": "",
                    "order_id": "",
                    "product": "",
                }
            ],
            schema=STATE_SCHEMA,
        )
    )
    assert live.poll() == 0
    now = live.reading("m1")
    assert now is not None
    assert now.health == held.health and now.anomaly_score == held.anomaly_score
    assert now.updated > held.updated
    assert derived(store, "m1")["health"] < 300
