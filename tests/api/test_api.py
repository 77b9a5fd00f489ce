from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from smartfactory.api import create_app
from smartfactory.api.errors import error_status
from smartfactory.api.testing import ScriptedLive, signed_in
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import PlantSnapshot
from smartfactory.domain.states import MachineState
from smartfactory.errors import (
    ConfigError,
    DataError,
    FactoryError,
    NotFoundError,
    SimulationError,
    StoreError,
)
from smartfactory.settings import Settings
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


MACHINE_KEYS = {
    "machine", "line", "state", "state_code", "since", "duration_s", "reason", "order",
    "product", "good", "scrap", "availability", "performance", "quality", "oee", "degradation",
    "pbt_s",
    "apt_s",
    "ideal_s",
}  # fmt: skip


def test_health_is_exactly_ok(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_plant_hierarchy(client: TestClient, plant: Plant) -> None:
    body = client.get("/api/v1/plant").json()
    assert body["enterprise"] == {
        "id": "hanbit",
        "name": {"en": "Hanbit Precision", "ko": "한빛정밀"},
    }
    assert body["site"]["name"] == {"en": "Changwon Plant 2", "ko": "창원 제2공장"}
    assert body["timezone"] == "Asia/Seoul"
    assert [s["name"] for s in body["shifts"]] == ["day", "night"]
    assert body["shifts"][0]["label"] == {"en": "Day", "ko": "주간"}
    lines = [line for area in body["areas"] for line in area["lines"]]
    assert [line["id"] for line in lines] == ["line-1", "line-2", "line-3"]
    machines = [m for line in lines for m in line["machines"]]
    assert [m["id"] for m in machines] == [m.id for m in plant.machines()]
    first = machines[0]
    assert first == {
        "id": "l1-tur-01",
        "name": {"en": "CNC lathe 1", "ko": "CNC 선반 1호기"},
        "type": "cnc_lathe",
        "line": "line-1",
    }


def test_plant_machine_and_404(client: TestClient) -> None:
    assert client.get("/api/v1/plant/machines/l2-mac-03").json()["type"] == "machining_center"
    response = client.get("/api/v1/plant/machines/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "detail": "no machine 'nope' in plant 'changwon-2'",
        "type": "not_found",
    }


def test_live_shape(client: TestClient, plant: Plant) -> None:
    body = client.get("/api/v1/live").json()
    assert set(body) == {"timestamp", "shift", "summary", "machines"}
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    assert body["shift"] == "day"
    assert len(body["machines"]) == 18
    for m in body["machines"]:
        assert set(m) == MACHINE_KEYS
        assert MachineState(m["state_code"]).label == m["state"]
        assert m["duration_s"] >= 0
    # The plant summary is the ISO 22400 ratio of summed times and units, not a mean.
    ms = body["machines"]
    apt, pbt = sum(m["apt_s"] for m in ms), sum(m["pbt_s"] for m in ms)
    units = sum(m["good"] + m["scrap"] for m in ms)
    expected = (
        (apt / pbt) * (sum(m["ideal_s"] for m in ms) / apt) * (body["summary"]["good"] / units)
    )
    assert body["summary"]["oee"] == pytest.approx(expected)
    down = next(m for m in body["machines"] if m["state"] == "unplanned_stop")
    assert down["reason"] == "failure"
    assert down["state_code"] == 7
    unknown = next(m for m in body["machines"] if m["state"] == "unknown")
    assert unknown["oee"] is None
    summary = body["summary"]
    assert summary["machines"] == 18
    assert sum(summary["states"].values()) == 18
    assert set(summary["states"]) == {s.label for s in MachineState}
    assert summary["producing"] == summary["states"]["producing"] == 11
    assert summary["stopped"] == 2
    assert summary["down"] == 1
    assert summary["good"] == sum(m["good"] for m in body["machines"])
    assert 0 < summary["oee"] < 1


def test_live_counts_advance(client: TestClient, clock: Any) -> None:
    before = client.get("/api/v1/live").json()
    clock.advance(10)
    after = client.get("/api/v1/live").json()
    assert after["timestamp"] > before["timestamp"]
    assert after["summary"]["good"] == before["summary"]["good"] + 11 * 20
    producing = [m for m in after["machines"] if m["state"] == "producing"]
    old = {m["machine"]: m for m in before["machines"]}
    assert all(m["good"] == old[m["machine"]]["good"] + 20 for m in producing)


def test_live_machine(client: TestClient) -> None:
    body = client.get("/api/v1/live/machines/l1-tur-03").json()
    assert body["state"] == "unplanned_stop"
    response = client.get("/api/v1/live/machines/ghost")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


class FailingLive:
    def __init__(self, error: FactoryError) -> None:
        self.error = error

    def snapshot(self) -> PlantSnapshot:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (NotFoundError("gone"), 404, "not_found"),
        (DataError("bad state code 99"), 422, "invalid_data"),
        (StoreError("disk full"), 503, "store_unavailable"),
        (ConfigError("no plant"), 500, "configuration_error"),
        (SimulationError("negative WIP"), 500, "internal_error"),
    ],
)
def test_factory_errors_become_json(  # noqa: PLR0917 - pytest passes fixtures by name
    plant: Plant, store: Store, make_client: Any, error: FactoryError, status: int, kind: str
) -> None:
    app = create_app(Settings(), plant, FailingLive(error), store)
    with make_client(app) as c:
        signed_in(c, store, "viewer")
        response = c.get("/api/v1/live")
    assert response.status_code == status
    body = response.json()
    assert body["type"] == kind
    assert str(error) in body["detail"]
    if kind == "internal_error":
        assert "SimulationError" in body["detail"]
    assert error_status(error) == (status, kind)


def test_operation_ids_are_stable(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    # other areas add their own routes; these ids must not change
    assert {
        "get_health",
        "get_plant",
        "get_plant_machine",
        "get_live",
        "get_live_machine",
        "stream_live",
        "get_kpi_oee",
        "get_kpi_losses",
        "assign_stop_reason",
        "login",
        "logout",
        "get_me",
        "create_token",
        "list_tokens",
        "revoke_token",
        "list_users",
        "create_user",
        "get_user",
        "update_user",
        "list_audit",
    } <= ids
    assert "/" not in spec["paths"]  # pages are not part of the API


def test_apps_are_independent(plant: Plant, store: Store, make_client: Any) -> None:
    a = create_app(Settings(), plant, ScriptedLive(plant), store)
    b = create_app(Settings(), plant, ScriptedLive(plant, states=[MachineState.SETUP]), store)
    with make_client(a) as ca, make_client(b) as cb:
        signed_in(ca, store, "viewer")
        signed_in(cb, store, "viewer")
        assert ca.get("/api/v1/live").json()["summary"]["producing"] == 11
        assert cb.get("/api/v1/live").json()["summary"]["states"]["setup"] == 18
