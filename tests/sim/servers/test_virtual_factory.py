"""The virtual factory over each protocol, read back by our own connector into a store.

For every protocol: start the server on 127.0.0.1 (port 0; MQTT on the test broker with a
unique root), start our connector under the poller, wait until every machine's state came
through, run the simulator a few simulated hours at a high speed factor, and check that the
units counted from the protocol's counters equal the simulator's totals, that state intervals
and counts reached the store, and that sensor samples were stored.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from smartfactory.api import create_app
from smartfactory.api.testing import signed_in
from smartfactory.settings import Settings
from smartfactory.sim.servers import Protocol
from tests.connectors.mqtt_helpers import require_broker
from tests.sim.servers.harness import rig, run_sim, small_plant, wait_for

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 and warns when it falls back to httpx (as tests/api does).
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

_HOUR = timedelta(hours=1)
PROTOCOLS = [Protocol.MQTT, Protocol.MODBUS, Protocol.OPCUA]


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=[p.value for p in PROTOCOLS])
def test_units_states_and_samples_come_through_the_protocol(
    protocol: Protocol, tmp_path: Path
) -> None:
    if protocol is Protocol.MQTT:
        require_broker()
    root = f"sftest{uuid.uuid4().hex[:10]}" if protocol is Protocol.MQTT else None
    plant = small_plant()
    machines = {m.id for m in plant.machines()}
    with rig(protocol, tmp_path, plant=plant, root=root, speed=3600.0) as r:
        wait_for(lambda: set(r.ingest.states_seen()) == machines, 30, "every machine's state")
        run_sim(r, sim_hours=3.0)
        expected = r.sim_totals()
        assert sum(g for g, _ in expected.values()) > 0, "the simulator made nothing"
        wait_for(lambda: r.ingest.totals() == expected, 20, "counts equal to the simulator's")
        snap = r.ingest.snapshot()
        seen_states = {m.state for m in snap.machines}
        r.runner.stop()
        stats = r.runner.pollers[0].stats
        assert stats.stored_rows > 0
        counts = r.store.query_counts(r.sim.start, r.sim.now() + _HOUR)
        states = r.store.query_states(r.sim.start, r.sim.now() + _HOUR)
    by_machine: dict[str, tuple[int, int]] = {}
    for m, g, s in zip(
        counts.column("machine").to_pylist(),
        counts.column("good").to_pylist(),
        counts.column("scrap").to_pylist(),
        strict=True,
    ):
        a, b = by_machine.get(m, (0, 0))
        by_machine[m] = (a + g, b + s)
    assert {k: v for k, v in by_machine.items() if v != (0, 0)} == {
        k: v for k, v in expected.items() if v != (0, 0)
    }
    assert states.num_rows >= len(machines)
    assert len(seen_states) >= 1
    assert sum(m.good for m in snap.machines) > 0


def test_live_api_shows_what_came_through_the_protocol(tmp_path: Path) -> None:
    """The ingest is the app's LiveSource: /api/v1/live shows the protocol's states and counts."""
    plant = small_plant()
    with rig(Protocol.MODBUS, tmp_path, plant=plant, speed=3600.0) as r:
        n = len(list(plant.machines()))
        wait_for(lambda: len(r.ingest.states_seen()) == n, 30, "every machine's state")
        run_sim(r, sim_hours=2.0)
        expected = r.sim_totals()
        wait_for(lambda: r.ingest.totals() == expected, 20, "counts equal to the simulator's")
        snap = r.ingest.snapshot()
        app = create_app(Settings(), plant, r.ingest, r.store)
        with TestClient(app) as client:
            signed_in(client, r.store)
            live = client.get("/api/v1/live").json()
    by_id = {m["machine"]: m for m in live["machines"]}
    assert set(by_id) == {m.id for m in plant.machines()}
    for m in snap.machines:
        assert by_id[m.machine]["state"] == m.state.label
        assert by_id[m.machine]["good"] == m.good
    assert sum(m["good"] for m in live["machines"]) > 0
    assert any(m["state"] != "unknown" for m in live["machines"])
