"""SPC on what the simulator stored: a wearing spindle drifts out of control and raises alerts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from smartfactory.config import example_plant
from smartfactory.kpi.spc.service import spc_signal
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store


def test_wear_drift_raises_alerts_linked_to_machine_and_signal(tmp_path: Path) -> None:
    plant = example_plant()
    store = open_store(tmp_path / "sim.duckdb")
    try:
        sim = FactorySimulation(plant, store, seed=2)
        result = sim.run_for(timedelta(days=10))
        chart = spc_signal(
            store, "weld-01", "torch_temperature", result.start, result.end, chart="xbar_r"
        )
        events = store.query_events(result.start, result.end + timedelta(days=1))
        idle_too = spc_signal(
            store,
            "weld-01",
            "torch_temperature",
            result.start,
            result.end,
            producing_only=False,
            write_alerts=False,
        )
    finally:
        store.close()
    # Only producing samples are charted: their mean sits at the producing level (95 degC + wear).
    assert 90 < float(chart.location.center[0]) < 130
    assert float(idle_too.location.center[0]) < float(chart.location.center[0])
    assert any(np.any(h) for h in chart.hits.values()), "wear drift should break a run rule"
    assert chart.events
    alert = next(e for e in events if e.kind == chart.events[0].kind)
    assert alert.source == "weld-01"
    assert alert.data["signal"] == "torch_temperature"
