"""The dashboard's read routes (signals, history, states, SPC, alerts, plans) and the language.

Over two simulated days of the example plant; every call signed in with ``signed_in``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smartfactory.api import create_app
from smartfactory.api.auth.users import find_user
from smartfactory.api.testing import signed_in
from smartfactory.config import example_plant
from smartfactory.domain.records import Event
from smartfactory.kpi.spc.alerts import SPC_EVENT
from smartfactory.kpi.spc.service import spc_signal
from smartfactory.settings import Settings
from smartfactory.sim import FactorySimulation, SimulationResult
from smartfactory.store import open_store
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FactorySimulation, Store, SimulationResult]]:
    store = open_store(tmp_path_factory.mktemp("signals") / "plant.duckdb")
    sim = FactorySimulation(example_plant(), store, seed=5, sample_interval_s=60.0)
    result = sim.run_for(timedelta(days=2))
    yield sim, store, result
    store.close()


@pytest.fixture
def client(
    simulated: tuple[FactorySimulation, Store, SimulationResult],
    make_client: ClientFactory,
    tmp_path: Path,
) -> Iterator[TestClient]:
    sim, store, _ = simulated
    app = create_app(Settings(workspace=tmp_path), sim.plant, sim, store)
    with make_client(app) as c:
        c.headers.update(signed_in(c, store, "viewer"))
        yield c


def test_signals_list_with_latest_sample(client: TestClient) -> None:
    signals = client.get("/api/v1/machines/cnc-01/signals").json()
    assert [s["name"] for s in signals] == [
        "spindle_vibration",
        "spindle_temperature",
        "spindle_current",
    ]
    assert all(s["last_value"] is not None and s["unit"] for s in signals)
    assert client.get("/api/v1/machines/nope/signals").status_code == 404


def test_history_is_downsampled_into_buckets(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, _, result = simulated
    start = result.end - timedelta(hours=6)
    params = {"start": start.isoformat(), "end": result.end.isoformat(), "bucket": 600}
    body = client.get(
        "/api/v1/machines/cnc-01/signals/spindle_temperature/history", params=params
    ).json()
    assert body["unit"] == "degC"
    assert body["bucket_s"] == 600
    assert 0 < len(body["points"]) <= 36
    for p in body["points"]:
        assert p["min"] <= p["mean"] <= p["max"]
        assert p["n"] >= 1
    # a bucket too fine for the window is coarsened to at most MAX_BUCKETS points
    fine = client.get(
        "/api/v1/machines/cnc-01/signals/spindle_temperature/history",
        params={"start": (result.end - timedelta(days=2)).isoformat(), "bucket": 1},
    ).json()
    assert len(fine["points"]) <= 2000
    assert fine["bucket_s"] > 1
    missing = client.get("/api/v1/machines/cnc-01/signals/nope/history")
    assert missing.status_code == 404
    backwards = client.get(
        "/api/v1/machines/cnc-01/signals/spindle_temperature/history",
        params={"start": result.end.isoformat(), "end": start.isoformat()},
    )
    assert backwards.status_code == 422


def test_states_cover_the_window(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, _, result = simulated
    start = result.end - timedelta(hours=8)
    states = client.get(
        "/api/v1/machines/press-01/states",
        params={"start": start.isoformat(), "end": result.end.isoformat()},
    ).json()
    assert states
    assert {s["state"] for s in states} <= {
        "unknown", "producing", "idle", "starved", "blocked", "setup", "planned_stop",
        "unplanned_stop", "no_shift",
    }  # fmt: skip
    firsts = [s["start"] for s in states]
    assert firsts == sorted(firsts)
    assert states[-1]["end"] >= states[-1]["start"]


def test_spc_signal_and_scrap(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, store, result = simulated
    start = result.end - timedelta(hours=24)
    window = {"start": start.isoformat(), "end": result.end.isoformat()}
    body = client.get(
        "/api/v1/kpi/spc",
        params={
            **window,
            "machine": "weld-01",
            "signal": "torch_temperature",
            "lsl": 80,
            "usl": 130,
        },
    ).json()
    expected = spc_signal(
        store, "weld-01", "torch_temperature", start, result.end, lsl=80, usl=130,
        write_alerts=False,
    )  # fmt: skip
    assert body["chart"] == "imr"
    assert len(body["values"]) == len(body["timestamps"]) == len(expected.timestamps)
    assert body["capability"]["cpk"] == pytest.approx(expected.capability.cpk)  # type: ignore[union-attr]
    for code, idx in body["violations"].items():
        assert idx == expected.hits[code].tolist()
    # read-only: no alert event was written by the route
    assert not store.query_events(start, result.end + timedelta(days=1), [SPC_EVENT])

    scrap = client.get("/api/v1/kpi/spc", params={**window, "machine": "weld-01"}).json()
    assert scrap["chart"] == "p"
    assert scrap["capability"] is None
    assert all(0 <= v <= 1 for v in scrap["values"] if v is not None)
    assert (
        client.get("/api/v1/kpi/spc", params={"machine": "weld-01", "chart": "imr"}).status_code
        == 422
    )
    assert client.get("/api/v1/kpi/spc", params={"machine": "nope"}).status_code == 404


def test_spc_alerts_newest_first(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, store, result = simulated
    store.write_events(
        [
            Event(result.end - timedelta(hours=h), SPC_EVENT, "weld-01", f"alert {h}",
                  {"machine": "weld-01", "signal": "torch_temperature", "rules": ["N1"]})
            for h in (1, 3)
        ]
    )  # fmt: skip
    alerts = client.get("/api/v1/alerts/spc", params={"hours": 24}).json()
    assert [a["message"] for a in alerts] == ["alert 1", "alert 3"]
    assert alerts[0]["rules"] == ["N1"]
    assert alerts[0]["machine"] == "weld-01"


def test_plans_current_and_history(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, store, result = simulated
    assert client.get("/api/v1/plans/current").status_code == 404
    op = {
        "order": "PO-1", "batch": 0, "product": "shaft-a", "operation": "turn", "machine": "cnc-01",
        "start": result.end.isoformat(), "end": (result.end + timedelta(hours=2)).isoformat(),
    }  # fmt: skip
    data = {
        "operations": [op],
        "maintenance": [{"machine": "cnc-02", "start": op["start"], "end": op["end"]}],
        "moves": [{"order": "PO-1", "batch": 0, "operation": "turn", "old_machine": "cnc-02",
                   "new_machine": "cnc-01", "old_start": op["start"], "new_start": op["start"],
                   "reason": "cnc-02 is in maintenance"}],
        "summary_en": "moved PO-1", "summary_ko": "PO-1 이동",
    }  # fmt: skip
    store.execute(
        "INSERT INTO plans (id, created, kind, status, reason, data) VALUES (?, ?, ?, ?, ?, ?)",
        ["p-1", result.end, "production", "active", "test", json.dumps(data)],
    )
    plan = client.get("/api/v1/plans/current").json()
    assert plan["id"] == "p-1"
    assert [i["kind"] for i in plan["items"]] == ["operation", "maintenance"]
    assert plan["moves"][0]["reason"] == "cnc-02 is in maintenance"
    assert plan["summary_ko"] == "PO-1 이동"
    assert [p["id"] for p in client.get("/api/v1/plans").json()] == ["p-1"]


def test_language_is_stored_on_the_user_and_in_a_cookie(
    client: TestClient, simulated: tuple[FactorySimulation, Store, SimulationResult]
) -> None:
    _, store, _ = simulated
    me = client.get("/api/v1/auth/me").json()
    response = client.put("/api/v1/me/language", json={"language": "ko"})
    assert response.status_code == 200
    assert response.json() == {"language": "ko"}
    assert "sf_lang=ko" in response.headers["set-cookie"]
    user = find_user(store, me["user"]["username"])
    assert user is not None and user.locale == "ko"
    assert '<html lang="ko">' in client.get("/maintenance").text
    assert '<html lang="en">' in client.get("/maintenance?lang=en").text
    assert client.put("/api/v1/me/language", json={"language": "fr"}).status_code == 422


def test_routes_need_sign_in(anon_client: TestClient) -> None:
    for path in (
        "/api/v1/machines/cnc-01/signals",
        "/api/v1/kpi/spc?machine=cnc-01",
        "/api/v1/plans",
        "/api/v1/alerts/spc",
    ):
        assert anon_client.get(path).status_code == 401
    assert anon_client.put("/api/v1/me/language", json={"language": "ko"}).status_code == 401
