"""KPI routes over a store the simulator filled: OEE roll-ups, losses, assigning a stop reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smartfactory.api import create_app
from smartfactory.api.auth import Accounts
from smartfactory.api.testing import signed_in
from smartfactory.config import example_plant
from smartfactory.domain import MachineState, Plant
from smartfactory.kpi import oee
from smartfactory.settings import Settings
from smartfactory.sim import FactorySimulation, SimulationResult
from smartfactory.store import DuckDBStore, open_store

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Plant, FactorySimulation, DuckDBStore, SimulationResult]]:
    plant = example_plant()
    store = open_store(tmp_path_factory.mktemp("kpi") / "plant.duckdb")
    assert isinstance(store, DuckDBStore)
    sim = FactorySimulation(plant, store, seed=5, sample_interval_s=600.0)
    result = sim.run_for(timedelta(days=2))
    yield plant, sim, store, result
    store.close()


@pytest.fixture
def client(
    simulated: tuple[Plant, FactorySimulation, DuckDBStore, SimulationResult],
    make_client: ClientFactory,
    tmp_path: Path,
) -> Iterator[TestClient]:
    plant, sim, store, _ = simulated
    app = create_app(Settings(workspace=tmp_path), plant, sim, store)
    with make_client(app) as c:
        c.headers.update(signed_in(c, store, "operator"))  # sends X-CSRF-Token on every call
        yield c


def test_oee_by_line_matches_the_service(
    client: TestClient, simulated: tuple[Plant, FactorySimulation, DuckDBStore, SimulationResult]
) -> None:
    plant, _, store, result = simulated
    params = {"start": result.start.isoformat(), "end": result.end.isoformat(), "group_by": "line"}
    rows = client.get("/api/v1/kpi/oee", params=params).json()
    assert sorted(r["group"]["line"] for r in rows) == [
        "bracket-line",
        "housing-line",
        "shaft-line",
    ]
    expected = {
        r.group["line"]: r.oee for r in oee(store, plant, result.start, result.end, ("line",))
    }
    assert {r["group"]["line"]: r["oee"] for r in rows} == pytest.approx(expected)
    # Default window: the 24 h before the plant's clock, by machine.
    assert len(client.get("/api/v1/kpi/oee").json()) == 18


def test_losses_report(
    client: TestClient, simulated: tuple[Plant, FactorySimulation, DuckDBStore, SimulationResult]
) -> None:
    _, _, _, result = simulated
    params = {"start": result.start.isoformat(), "end": result.end.isoformat()}
    body = client.get("/api/v1/kpi/losses", params=params).json()
    assert body["six_big_losses"]["idling_minor_stops"] > 0
    assert body["micro_stops"]["count"] > 0
    assert body["pareto_by_reason"]


def test_assign_a_reason_to_a_stop(
    client: TestClient, simulated: tuple[Plant, FactorySimulation, DuckDBStore, SimulationResult]
) -> None:
    _, _, store, result = simulated
    states = store.query_states(result.start, result.end, ["weld-01"]).to_pylist()
    stop = next(s for s in states if s["state"] == MachineState.UNPLANNED_STOP)
    body = {"start": stop["start"].isoformat(), "reason": "jam", "who": "someone.else"}
    response = client.post("/api/v1/machines/weld-01/stops/reason", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["reason"] == "jam"
    # recorded with the signed-in user, whatever the body claims
    me = client.get("/api/v1/auth/me").json()["user"]["username"]
    assert response.json()["data"]["by"] == me
    again = store.query_states(stop["start"], stop["end"], ["weld-01"]).to_pylist()
    assert next(s for s in again if s["start"] == stop["start"])["reason"] == "jam"


def test_bad_requests_are_clear_json_errors(client: TestClient) -> None:
    bad = client.get("/api/v1/kpi/oee", params={"group_by": "colour"})
    assert bad.status_code == 422 and "colour" in bad.json()["detail"]
    nope = client.post(
        "/api/v1/machines/nope/stops/reason",
        json={"start": "2026-01-05T00:00:00+00:00", "reason": "jam", "who": "x"},
    )
    assert nope.status_code == 404
    backwards = client.get(
        "/api/v1/kpi/oee",
        params={"start": "2026-01-06T00:00:00+00:00", "end": "2026-01-05T00:00:00+00:00"},
    )
    assert backwards.status_code == 422


def test_without_a_store_kpis_answer_503(make_client: ClientFactory, tmp_path: Path) -> None:
    plant = example_plant()
    sim = FactorySimulation(plant, None, seed=1)
    accounts = open_store(":memory:")
    app = create_app(Settings(workspace=tmp_path), plant, sim, None, accounts=Accounts(accounts))
    with make_client(app) as c:
        signed_in(c, accounts, "viewer")
        response = c.get("/api/v1/kpi/oee")
    accounts.close()
    assert response.status_code == 503
