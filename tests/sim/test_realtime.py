"""Real-time mode: the clock follows the wall clock times the speed factor; live snapshots."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

from smartfactory.domain import MachineState
from smartfactory.domain.live import LiveSource
from smartfactory.sim import FactorySimulation, SimulationResult
from smartfactory.store import DuckDBStore
from tests.sim.conftest import calendar, two_line_plant


def test_realtime_advances_with_speed_and_snapshot_counts_grow(store: DuckDBStore) -> None:
    p = two_line_plant().model_copy(
        update={
            "site": two_line_plant().site.model_copy(
                update={"calendar": calendar(around_the_clock=True)}
            )
        }
    )
    speed = 3600.0  # one simulated hour per wall second
    sim = FactorySimulation(
        p, store, seed=1, speed=speed, start=datetime(2026, 1, 5, 8, tzinfo=UTC)
    )
    source: LiveSource = sim  # the protocol the web server reads
    results: list[SimulationResult] = []
    thread = threading.Thread(target=lambda: results.append(sim.run(None)), name="sim")
    wall0 = time.monotonic()
    thread.start()
    totals = []
    try:
        for _ in range(8):
            time.sleep(0.25)
            snap = source.snapshot()
            totals.append(sum(m.good + m.scrap for m in snap.machines))
    finally:
        sim.stop()
        thread.join(timeout=5)
    wall = time.monotonic() - wall0
    assert not thread.is_alive()
    assert totals[-1] > totals[0] >= 0
    assert sum(b > a for a, b in itertools.pairwise(totals)) >= 4  # moves smoothly
    simulated = sim.env.now
    assert 0.5 * speed * wall < simulated <= 1.1 * speed * wall
    snap = sim.snapshot()
    assert snap.shift == "all"
    assert {m.machine for m in snap.machines} == {m.id for m in p.machines()}
    assert any(m.state == MachineState.PRODUCING for m in snap.machines)
    producing = [m for m in snap.machines if m.oee is not None]
    assert producing and all(0 <= (m.oee or 0) <= 1.2 for m in producing)
    r = results[0]
    assert r.good_units > 0 and r.samples_written > 0


def test_fast_forward_in_real_time_mode_lands_exactly_and_without_waiting() -> None:
    from smartfactory.config import example_plant

    plant = example_plant()
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 17:00 in Seoul: a gap between shifts
    sim = FactorySimulation(plant, None, seed=3, start=start, speed=60.0)
    wall = time.perf_counter()
    sim.fast_forward(timedelta(hours=2, minutes=30))  # to 19:30 local, still no shift
    assert time.perf_counter() - wall < 5  # no real-time sleeping
    assert sim.now() == start + timedelta(hours=2, minutes=30)
    sim.fast_forward(timedelta(days=1))
    assert sim.now() == start + timedelta(days=1, hours=2, minutes=30)
    assert sim.result().good_units > 0  # a day of shifts was produced meanwhile
