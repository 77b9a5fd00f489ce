"""Behaviour of the simulator: determinism, failures, crews, shifts, setups, scrap, store."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow.compute as pc
import pytest

from smartfactory.config import example_plant
from smartfactory.domain import Demand, MachineBehaviour, MachineState
from smartfactory.errors import SimulationError
from smartfactory.sim import FactorySimulation, simulate
from smartfactory.store import DuckDBStore
from tests.sim.conftest import calendar, machine, plant, product, two_line_plant

START = datetime(2026, 1, 5, tzinfo=UTC)


def comparable(sim: FactorySimulation) -> dict[str, object]:
    d = sim.result().to_dict()
    d.pop("wall_s")
    return d


def test_same_seed_same_results() -> None:
    p = two_line_plant(wear_life_h=50.0)
    a = FactorySimulation(p, seed=7)
    b = FactorySimulation(p, seed=7)
    c = FactorySimulation(p, seed=8)
    for s in (a, b, c):
        s.run_for(timedelta(days=6))
    assert comparable(a) == comparable(b)
    assert comparable(a) != comparable(c)
    assert [m.totals for m in a.machines] == [m.totals for m in b.machines]


def test_rng_is_injected_not_global() -> None:
    p = two_line_plant()
    a = FactorySimulation(p, rng=np.random.default_rng(3))
    np.random.seed(0)
    b = FactorySimulation(p, seed=3)
    a.run_for(86400)
    b.run_for(86400)
    assert comparable(a) == comparable(b)


def wear_plant(crews: int) -> object:
    b = MachineBehaviour.model_validate(
        {
            "micro_stops": {"rate_per_h": 0.0},
            "degradation": {"model": "gamma", "mean_life_h": 30.0, "life_cv": 0.3},
            "repair": {"mean_h": 3.0, "cv": 0.3},
            "preventive": {"interval_h": 12.0, "duration_h": 6.0, "restores": 0.3},
        }
    )
    ms = [machine(f"m-{i}", b) for i in range(4)]
    prods = [product(f"p{i}", [("op", [f"m-{i}"], 20, 0)]) for i in range(4)]
    demand = [
        Demand(product=f"p{i}", every_h=4, quantity_min=900, quantity_max=900) for i in range(4)
    ]
    return plant(ms, prods, demand=demand, crews=crews, cal=calendar(around_the_clock=True))


def test_failures_when_wear_reaches_one_and_repairs_preempt_preventive(store: DuckDBStore) -> None:
    sim = FactorySimulation(wear_plant(crews=1), store, seed=11)  # type: ignore[arg-type]
    r = sim.run_for(timedelta(days=30))
    events = store.query_events(START, START + timedelta(days=31))
    failures = [e for e in events if e.kind == "failure"]
    assert r.failures == len(failures) > 5
    assert all(float(e.data["degradation"]) >= 0.999 for e in failures)  # type: ignore[arg-type]
    assert r.repairs in (r.failures, r.failures - 1)
    preempted = [e for e in events if e.kind == "preventive_preempted"]
    assert preempted, "a repair should have pre-empted preventive work"
    fail_at = {(e.timestamp, e.source) for e in failures}
    for e in preempted:
        assert any(t == e.timestamp and src != e.source for t, src in fail_at)
    # a repair that pre-empted preventive work started at once
    repairs = [e for e in events if e.kind == "repair"]
    assert any(float(e.data["wait_h"]) == 0.0 for e in repairs)  # type: ignore[arg-type]
    # one crew: crew-hours never exceed elapsed hours
    assert r.crew_hours <= 30 * 24 + 1e-6


def test_no_wear_means_no_failures() -> None:
    demand = [Demand(product="p", every_h=8, quantity_min=100, quantity_max=200)]
    p = plant([machine("m")], [product("p", [("op", ["m"], 10, 0)])], demand=demand)
    r = FactorySimulation(p, seed=1).run_for(timedelta(days=10))
    assert r.failures == 0 and r.good_units > 0


def test_no_production_outside_shifts(store: DuckDBStore) -> None:
    p = two_line_plant()
    FactorySimulation(p, store, seed=2).run_for(timedelta(days=9))
    windows = p.site.calendar.windows(START, START + timedelta(days=9))
    work = []
    for w in windows:
        t = w.start
        for b0, b1 in w.breaks:
            work.append((t, b0))
            t = b1
        work.append((t, w.end))
    merged = [work[0]]
    for a, b in work[1:]:  # back-to-back shifts: production goes on across the change
        if a == merged[-1][1]:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    work = merged
    states = store.query_states(START, START + timedelta(days=9)).to_pylist()
    producing = [s for s in states if s["state"] == MachineState.PRODUCING]
    assert producing
    for s in producing:
        assert any(a <= s["start"] and s["end"] <= b for a, b in work), s
    no_shift = [s for s in states if s["state"] == MachineState.NO_SHIFT]
    saturday = START + timedelta(days=5, hours=12)
    machines = {s["machine"] for s in no_shift if s["start"] <= saturday < s["end"]}
    assert machines == {m.id for m in p.machines()}
    assert any(s["reason"] == "break" for s in states)
    counts = store.query_counts(START, START + timedelta(days=9)).to_pylist()
    assert counts
    for c in counts:
        ts = c["ts"]
        assert ts.weekday() < 5 and 6 <= ts.hour + ts.minute / 60 <= 22, ts


def test_setup_on_product_change(store: DuckDBStore) -> None:
    b = MachineBehaviour.model_validate({"micro_stops": {"rate_per_h": 0.0}})
    p = plant(
        [machine("m", b)],
        [product("x", [("op", ["m"], 10, 30)]), product("y", [("op", ["m"], 12, 45)])],
        demand=[
            Demand(product="x", every_h=6, quantity_min=300, quantity_max=300),
            Demand(product="y", every_h=9, quantity_min=200, quantity_max=200),
        ],
        cal=calendar(around_the_clock=True),
    )
    FactorySimulation(p, store, seed=4).run_for(timedelta(days=4))
    states = store.query_states(START, START + timedelta(days=4)).to_pylist()
    setups = [s for s in states if s["state"] == MachineState.SETUP]
    seq = [s["product"] for s in states if s["state"] == MachineState.PRODUCING]
    changes = 1 + sum(1 for a, b in itertools.pairwise(seq) if a != b)
    assert len(setups) == changes > 3
    for s in setups:
        minutes = (s["end"] - s["start"]).total_seconds() / 60
        assert minutes == pytest.approx(30 if s["product"] == "x" else 45)
        assert s["reason"] == "changeover"


def test_scrap_rises_with_degradation(store: DuckDBStore) -> None:
    b = MachineBehaviour.model_validate(
        {
            "micro_stops": {"rate_per_h": 0.0},
            "scrap": {"base_rate": 0.0, "degradation_gain": 0.8},
            "degradation": {"model": "gamma", "mean_life_h": 60.0, "life_cv": 0.2},
            "repair": {"mean_h": 1.0},
            "sensors": [
                {"signal": "health", "idle": 0, "producing": 0, "wear_gain": 1, "wear_power": 1}
            ],
        }
    )
    p = plant(
        [machine("m", b)],
        [product("p", [("op", ["m"], 20, 0)])],
        demand=[Demand(product="p", every_h=2, quantity_min=400, quantity_max=400)],
        cal=calendar(around_the_clock=True),
    )
    FactorySimulation(p, store, seed=5).run_for(timedelta(days=12))
    sig = {(r["machine"], r["name"]): r["signal_id"] for r in store.signals().to_pylist()}
    end = START + timedelta(days=12)
    health = store.query_samples([sig[("m", "health")]], START, end)
    d_at = dict(zip(health["ts"].to_pylist(), health["value"].to_numpy(), strict=True))
    counts = store.query_counts(START, end).to_pylist()
    low = np.zeros(2)
    high = np.zeros(2)
    for c in counts:
        d = d_at.get(c["ts"])
        if d is None:
            continue
        bucket = low if d < 0.3 else high if d > 0.7 else None
        if bucket is not None:
            bucket += (c["scrap"], c["good"] + c["scrap"])
    assert low[1] > 100 and high[1] > 100
    assert high[0] / high[1] > 3 * (low[0] / low[1])


def test_store_matches_summary(small_plant: object, store: DuckDBStore) -> None:
    days = 6
    sim = FactorySimulation(small_plant, store, seed=9, sample_interval_s=30.0)  # type: ignore[arg-type]
    r = sim.run_for(timedelta(days=days))
    end = START + timedelta(days=days)
    counts = store.query_counts(START, end)
    assert pc.sum(counts["good"]).as_py() == r.good_units
    assert pc.sum(counts["scrap"]).as_py() == r.scrap_units
    orders = store.query_orders()
    assert orders.num_rows == r.orders_released
    assert store.query_orders("done").num_rows == r.orders_done
    done_good = pc.sum(store.query_orders("done")["good"]).as_py()
    assert done_good <= r.finished_units
    ids = store.signals()["signal_id"].to_pylist()
    assert store.query_samples(ids, START, end).num_rows == r.samples_written > 0
    states = store.query_states(START, end).to_pylist()
    for m in small_plant.machines():  # type: ignore[attr-defined]
        mine = [s for s in states if s["machine"] == m.id]
        covered = sum((s["end"] - s["start"]).total_seconds() for s in mine)
        assert covered == pytest.approx(days * 86400, abs=1e-3)
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(mine))
    events = store.query_events(START, end, ["preventive_maintenance"])
    assert len(events) == r.preventive_jobs
    c = small_plant.costs  # type: ignore[attr-defined]
    maintenance = (
        r.preventive_jobs * c.preventive_maintenance
        + r.repairs * c.corrective_maintenance
        + r.crew_hours * c.maintenance_labour_per_h
    )
    assert r.maintenance_cost == pytest.approx(maintenance)
    assert r.total_cost == pytest.approx(
        maintenance + r.unplanned_downtime_h * c.downtime_per_h + r.scrap_units * c.scrap_per_unit
    )
    assert r.oee == pytest.approx(r.availability * r.performance * r.quality)
    assert 0 < r.oee < 1


def test_continued_runs_write_consistent_counts(small_plant: object, store: DuckDBStore) -> None:
    sim = FactorySimulation(small_plant, store, seed=9)  # type: ignore[arg-type]
    for hours in (7.3, 0.01, 30.5, 12.0):
        r = sim.run_for(hours * 3600)
    counts = store.query_counts(START, START + timedelta(days=3))
    assert pc.sum(counts["good"]).as_py() == r.good_units
    assert pc.sum(counts["scrap"]).as_py() == r.scrap_units


def test_example_plant_runs_into_store(store: DuckDBStore) -> None:
    progress: list[tuple[float, float]] = []
    r = simulate(
        example_plant(), store, days=3, seed=1, progress=lambda a, b: progress.append((a, b))
    )
    assert progress[-1] == (3 * 86400, 3 * 86400)
    assert r.machines == 18 and r.good_units > 0 and r.samples_written > 0
    machines = set(store.query_states(START, START + timedelta(days=3))["machine"].to_pylist())
    assert len(machines) == 18


def test_bad_arguments() -> None:
    p = two_line_plant()
    with pytest.raises(SimulationError):
        FactorySimulation(p, start=datetime(2026, 1, 1))
    with pytest.raises(SimulationError):
        FactorySimulation(p).run(None)
    sim = FactorySimulation(p)
    sim.run_for(3600)
    with pytest.raises(SimulationError):
        sim.run(START)
