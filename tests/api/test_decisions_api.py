"""Decision and autonomy routes on every store backend: inbox, approve, reject, undo, levels."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import pytest
from tests.decisions.helpers import NOW, maintenance_proposal, schedule_proposal
from tests.store import conftest as backends

from smartfactory.api.testing import signed_in
from smartfactory.decisions import service
from smartfactory.decisions.autonomy import effective_settings
from smartfactory.store import Store
from smartfactory.store.audit import entries

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]

# the store of every backend (DuckDB, PostgreSQL), as in tests/store
reopen = backends.reopen
store = backends.store

Login = Callable[[str], tuple["TestClient", dict[str, str]]]


@pytest.fixture
def as_role(app: FastAPI, store: Store, make_client: ClientFactory) -> Iterator[Login]:
    """Open a client signed in with a role: ``client, csrf_headers = as_role("planner")``."""
    opened: list[AbstractContextManager[TestClient]] = []

    def open_(role: str) -> tuple[TestClient, dict[str, str]]:
        manager = make_client(app)
        opened.append(manager)
        client = manager.__enter__()
        return client, signed_in(client, store, role)

    yield open_
    for manager in reversed(opened):
        manager.__exit__(None, None, None)


def test_inbox_and_approve_creates_a_work_order(as_role: Login, store: Store) -> None:
    first = service.propose(store, maintenance_proposal(machine="l1-cnc-01"), NOW)
    service.propose(store, schedule_proposal(), NOW)
    c, h = as_role("maintenance")
    inbox = c.get("/api/v1/decisions", params={"status": "proposed"}).json()
    assert inbox["total"] == 2
    maint = c.get("/api/v1/decisions", params={"kind": "maintenance"}).json()["items"]
    assert [d["id"] for d in maint] == [first.id]
    one = c.get(f"/api/v1/decisions/{first.id}").json()
    assert one["explanation"]["ko"].startswith("l1-cnc-01: 스핀들 베어링의 잔여 수명 중앙값 41시간")
    assert [a["name"] for a in one["alternatives"]] == ["run_to_failure", "maintain_window"]
    approved = c.post(f"/api/v1/decisions/{first.id}/approve", headers=h)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "applied" and body["decided_by"].startswith("test-maintenance")
    wo = c.get(f"/api/v1/work-orders/{body['work_order_id']}").json()
    assert wo["status"] == "scheduled" and wo["decision_id"] == first.id
    again = c.post(f"/api/v1/decisions/{first.id}/approve", headers=h)
    assert again.status_code == 409 and again.json()["type"] == "conflict"
    undone = c.post(f"/api/v1/decisions/{first.id}/undo", headers=h).json()
    assert undone["status"] == "undone"
    assert c.get(f"/api/v1/work-orders/{wo['id']}").json()["status"] == "cancelled"


def test_reject_and_permissions_by_kind(as_role: Login, store: Store) -> None:
    maint = service.propose(store, maintenance_proposal(), NOW)
    sched = service.propose(store, schedule_proposal(), NOW)
    viewer, vh = as_role("viewer")
    assert viewer.get("/api/v1/decisions").status_code == 200
    denied = viewer.post(f"/api/v1/decisions/{maint.id}/approve", headers=vh)
    assert denied.status_code == 403 and denied.json()["type"] == "forbidden"
    fitter, fh = as_role("maintenance")  # may answer maintenance, not schedule decisions
    schedule_denied = fitter.post(f"/api/v1/decisions/{sched.id}/approve", headers=fh)
    assert schedule_denied.status_code == 403 and "decide_production" in schedule_denied.text
    planner, ph = as_role("planner")
    empty = planner.post(f"/api/v1/decisions/{sched.id}/reject", json={"reason": ""}, headers=ph)
    assert empty.status_code == 422
    rejected = planner.post(
        f"/api/v1/decisions/{sched.id}/reject", json={"reason": "rush order first"}, headers=ph
    )
    assert rejected.status_code == 200, rejected.text
    assert (
        rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "rush order first"
    )
    assert entries(store, target=sched.id)[0].action == "decision.rejected"
    assert planner.get("/api/v1/decisions/D-NOPE").status_code == 404


def test_autonomy_get_and_put(as_role: Login, store: Store) -> None:
    viewer, vh = as_role("viewer")
    listed = viewer.get("/api/v1/autonomy").json()
    assert listed[0]["scope"] == "plant" and {s["level"] for s in listed} == {"advise"}
    assert listed[1]["inherited_from"] == "default"
    assert viewer.put("/api/v1/autonomy/plant", json={"level": "approve"},
                      headers=vh).status_code == 403  # fmt: skip
    admin, ah = as_role("admin")
    put = admin.put(
        "/api/v1/autonomy/line-1",
        json={"level": "autonomous", "max_changes_per_day": 2, "frozen_horizon_h": 6},
        headers=ah,
    )
    assert put.status_code == 200, put.text
    assert put.json()["level"] == "autonomous" and put.json()["inherited_from"] is None
    got = admin.get("/api/v1/autonomy/line-1").json()
    assert (got["max_changes_per_day"], got["frozen_horizon_h"], got["crew_capacity"]) == (2, 6, 1)
    assert effective_settings(store, "line-1").level.value == "autonomous"
    admin.put("/api/v1/autonomy/plant", json={"level": "approve"}, headers=ah)
    assert admin.get("/api/v1/autonomy/line-2").json()["inherited_from"] == "plant"
    assert admin.get("/api/v1/autonomy/line-99").status_code == 404
    bad = admin.put("/api/v1/autonomy/plant", json={"level": "yolo"}, headers=ah)
    assert bad.status_code == 422
    # an autonomous line applies a proposal at once; the inbox shows it applied by "system"
    decision = service.propose(store, maintenance_proposal(machine="l1-cnc-02"), NOW)
    shown = admin.get(f"/api/v1/decisions/{decision.id}").json()
    assert shown["status"] == "applied" and shown["decided_by"] == "system"


def test_operation_ids_are_stable(as_role: Login) -> None:
    c, _ = as_role("viewer")
    spec = c.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "list_work_orders",
        "get_work_order",
        "create_work_order",
        "update_work_order",
        "transition_work_order",
        "close_work_order",
        "add_work_order_note",
        "confirm_work_order",
        "list_decisions",
        "get_decision",
        "approve_decision",
        "reject_decision",
        "undo_decision",
        "list_autonomy",
        "get_autonomy",
        "set_autonomy",
    } <= ids
