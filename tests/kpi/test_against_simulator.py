"""The KPI service, reading what the simulator stored, agrees with the simulator's own books.

The simulator accounts time and units as it runs; the KPI service recomputes them from the
stored state intervals and counts. Two independent computations of the same ISO 22400 figures.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from smartfactory.config import example_plant
from smartfactory.kpi import oee
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store


def test_kpi_service_reproduces_the_simulation_summary(tmp_path: Path) -> None:
    plant = example_plant()
    store = open_store(tmp_path / "sim.duckdb")
    try:
        sim = FactorySimulation(plant, store, seed=11, sample_interval_s=600.0)
        result = sim.run_for(timedelta(days=4))
        (site,) = oee(store, plant, result.start, result.end, group_by=())
        per_machine = oee(store, plant, result.start, result.end, group_by=("machine",))
    finally:
        store.close()
    assert site.gq == result.good_units
    assert site.pq == result.good_units + result.scrap_units
    assert site.availability == pytest.approx(result.availability, rel=1e-3)
    assert site.performance == pytest.approx(result.performance, rel=1e-3)
    assert site.quality == pytest.approx(result.quality, rel=1e-9)
    assert site.oee == pytest.approx(result.oee, rel=2e-3)
    assert len(per_machine) == 18
    assert sum(r.gq for r in per_machine) == site.gq
