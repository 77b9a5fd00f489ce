"""Maintenance routes: machine health, the plant's health index and model versions."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, signed_in
from smartfactory.config import example_plant
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.maintenance.training import train_health
from smartfactory.maintenance.versions import ModelRegistry, default_root
from smartfactory.settings import Settings
from smartfactory.sim import FactorySimulation
from smartfactory.store import DuckDBStore, open_store

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

START = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DuckDBStore, str]]:
    """A store with 14 simulated hours, scored by a live service; one promoted health model."""
    path = tmp_path_factory.mktemp("api") / "plant.duckdb"
    store = open_store(path)
    assert isinstance(store, DuckDBStore)
    sim = FactorySimulation(example_plant(), store, seed=2, start=START, sample_interval_s=300.0)
    sim.run(START + timedelta(hours=14))
    registry = ModelRegistry(store, default_root(path))
    trained = train_health(store, "cnc-01", START, START + timedelta(hours=14))
    mv = registry.save(
        "health",
        "cnc-01",
        trained.model,
        features=trained.features,
        params=trained.params,
        metrics=trained.metrics,
        reference=trained.reference,
    )
    registry.promote(mv.id)
    LiveMaintenance(store, registry, backfill=timedelta(days=1)).poll()
    yield store, mv.id
    store.close()


@pytest.fixture
def client(filled: tuple[DuckDBStore, str], tmp_path: Path) -> Iterator[TestClient]:
    store, _ = filled
    app = create_app(
        Settings(workspace=tmp_path), example_plant(), ScriptedLive(example_plant()), store
    )
    with TestClient(app) as c:
        signed_in(c, store, "viewer")
        yield c


def test_routes_need_a_signed_in_user(filled: tuple[DuckDBStore, str], tmp_path: Path) -> None:
    store, _ = filled
    app = create_app(
        Settings(workspace=tmp_path), example_plant(), ScriptedLive(example_plant()), store
    )
    with TestClient(app) as anon:
        assert anon.get("/api/v1/health-index").status_code == 401
        assert anon.get("/api/v1/models").status_code == 401


def test_machine_health_from_the_store(client: TestClient) -> None:
    body = client.get("/api/v1/machines/cnc-01/health").json()
    assert body["machine"] == "cnc-01"
    assert 0 <= body["health"] <= 100
    assert body["model_version"] == "health/cnc-01/v1"
    assert body["rul"] is None or body["rul"]["p10_h"] <= body["rul"]["p90_h"]
    assert client.get("/api/v1/machines/nope/health").status_code == 404
    index = client.get("/api/v1/health-index").json()
    assert len(index) == 18
    assert [h["machine"] for h in index] == sorted(h["machine"] for h in index)


def test_machine_health_from_a_live_service(
    filled: tuple[DuckDBStore, str], tmp_path: Path
) -> None:
    store, _ = filled
    live = LiveMaintenance(store, backfill=timedelta(days=1))
    live.poll()
    app = create_app(
        Settings(workspace=tmp_path),
        example_plant(),
        ScriptedLive(example_plant()),
        store,
        maintenance=live,
    )
    with TestClient(app) as c:
        signed_in(c, store, "viewer")
        body = c.get("/api/v1/machines/cnc-02/health").json()
        assert body["model_version"] == "online"
        assert body["contributions"]
        assert {"signal", "share", "sigmas"} <= set(body["contributions"][0])
        assert len(c.get("/api/v1/health-index").json()) == 18


def test_models_list_and_one_with_drift(
    client: TestClient, filled: tuple[DuckDBStore, str]
) -> None:
    _, version_id = filled
    listed = client.get("/api/v1/models", params={"kind": "health"}).json()
    assert [m["id"] for m in listed] == [version_id]
    assert listed[0]["status"] == "promoted"
    one = client.get(f"/api/v1/models/{version_id}", params={"drift": "true"}).json()
    assert one["drift"] is not None
    assert set(one["drift"]["features"]) == set(one["features"])
    assert client.get(f"/api/v1/models/{version_id}").json()["drift"] is None
    assert client.get("/api/v1/models/nope").status_code == 404
