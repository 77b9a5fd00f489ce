"""Wiring of a virtual-factory test: simulator -> protocol server -> our connector -> store.

The simulator runs in real time at a high speed factor in its own thread; the server runs in
a :class:`ServerThread`; our connector runs under the poller in an :class:`IngestRunner`
feeding a :class:`LiveIngest` and a DuckDB store. Everything binds 127.0.0.1, port 0 (MQTT:
the test broker, with a unique topic root per test).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smartfactory.cli.demo_cmd import demo_start
from smartfactory.config import example_plant
from smartfactory.domain.assets import Plant
from smartfactory.ingest import IngestRunner, LiveIngest
from smartfactory.sim import FactorySimulation
from smartfactory.sim.servers import Protocol
from smartfactory.sim.servers.loop import ProtocolLoop
from smartfactory.store import open_store
from smartfactory.store.base import Store


@dataclass
class Rig:
    plant: Plant
    sim: FactorySimulation
    store: Store
    loop: ProtocolLoop

    @property
    def ingest(self) -> LiveIngest:
        return self.loop.ingest

    @property
    def runner(self) -> IngestRunner:
        assert self.loop.runner is not None
        return self.loop.runner

    def sim_totals(self) -> dict[str, tuple[int, int]]:
        return {m.id: (m.totals.good, m.totals.scrap) for m in self.sim.machines}


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def small_plant() -> Plant:
    """The example plant cut to its first line (fewer messages, same behaviour)."""
    plant = example_plant()
    area = plant.site.areas[0]
    line = area.lines[0]
    site = plant.site.model_copy(update={"areas": (area.model_copy(update={"lines": (line,)}),)})
    keep = {m.id for m in line.machines}
    products = tuple(p for p in plant.products if all(set(s.machines) <= keep for s in p.routing))
    ids = {p.id for p in products}
    return plant.model_copy(
        update={
            "site": site,
            "products": products,
            "demand": tuple(d for d in plant.demand if d.product in ids),
            "orders": tuple(o for o in plant.orders if o.product in ids),
        }
    )


@contextmanager
def rig(
    protocol: Protocol, tmp_path: Path, *, plant: Plant, root: str | None = None, speed: float
) -> Iterator[Rig]:
    start, _ = demo_start(plant, datetime.now(UTC), warm_shifts=0)
    sim = FactorySimulation(plant, None, seed=3, start=start, speed=speed)
    store = open_store(tmp_path / "ingest.duckdb")
    port = 1883 if protocol is Protocol.MQTT else 0
    loop = ProtocolLoop(
        sim,
        store,
        protocol,
        spill_dir=tmp_path / "spill",
        port=port,
        root=root,
        update_s=1.0 if protocol is Protocol.MQTT else 0.2,
        poll_s=0.2,
        seed=5,
    )
    try:
        with loop:
            yield Rig(plant, sim, store, loop)
            sim.stop()
    finally:
        store.close()


def run_sim(r: Rig, sim_hours: float) -> None:
    """Run the simulator for ``sim_hours`` in real time (in a thread), then wait for it."""
    worker = threading.Thread(
        target=r.sim.run_for, args=(timedelta(hours=sim_hours),), name="test-sim"
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
