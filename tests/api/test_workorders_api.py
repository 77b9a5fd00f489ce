"""Work order routes on every store backend: CRUD, lifecycle, notes, permissions, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import pytest
from tests.store import conftest as backends

from smartfactory.api.testing import signed_in
from smartfactory.store import Store
from smartfactory.store.audit import entries

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]

# the store of every backend (DuckDB, PostgreSQL), as in tests/store
reopen = backends.reopen
store = backends.store

BASE = "/api/v1/work-orders"


@pytest.fixture
def as_role(
    app: FastAPI, store: Store, make_client: ClientFactory
) -> Iterator[Callable[[str], tuple[TestClient, dict[str, str]]]]:
    """Open a client signed in with a role: ``client, csrf_headers = as_role("maintenance")``."""
    opened: list[AbstractContextManager[TestClient]] = []

    def open_(role: str) -> tuple[TestClient, dict[str, str]]:
        manager = make_client(app)
        opened.append(manager)
        client = manager.__enter__()
        return client, signed_in(client, store, role)

    yield open_
    for manager in reversed(opened):
        manager.__exit__(None, None, None)


def _machine(app: FastAPI) -> str:
    return next(iter(app.state.context.plant.machines())).id


def test_create_list_get_update(as_role: Callable[..., tuple[TestClient, dict[str, str]]],
                                app: FastAPI, store: Store) -> None:  # fmt: skip
    c, h = as_role("maintenance")
    machine = _machine(app)
    body = {
        "machine": machine,
        "kind": "preventive",
        "title": "Lubricate ball screw",
        "priority": 2,
        "parts": [{"part": "grease", "quantity": 0.5}],
        "scheduled_start": "2026-12-01T06:00:00+09:00",
        "scheduled_end": "2026-12-01T08:00:00+09:00",
    }
    created = c.post(BASE, json=body, headers=h)
    assert created.status_code == 201, created.text
    wo = created.json()
    assert wo["status"] == "scheduled" and wo["parts"] == [{"part": "grease", "quantity": 0.5}]
    assert wo["scheduled_start"].startswith("2026-11-30T21:00:00")
    for i in range(3):
        c.post(BASE, json={"machine": machine, "kind": "inspection", "title": f"Check {i}"},
               headers=h)  # fmt: skip
    page = c.get(BASE, params={"limit": 2}).json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["limit"] == 2
    assert c.get(BASE, params={"kind": "inspection"}).json()["total"] == 3
    assert c.get(BASE, params={"status": "scheduled", "machine": machine}).json()["total"] == 1
    assert c.get(f"{BASE}/{wo['id']}").json()["title"] == "Lubricate ball screw"
    patched = c.patch(f"{BASE}/{wo['id']}", json={"assignee": "park", "priority": 1}, headers=h)
    assert patched.status_code == 200, patched.text
    assert patched.json()["assignee"] == "park" and patched.json()["priority"] == 1
    cleared = c.patch(f"{BASE}/{wo['id']}", json={"assignee": None}, headers=h).json()
    assert cleared["assignee"] is None and cleared["priority"] == 1
    actors = {e.actor for e in entries(store, target=wo["id"])}
    assert len(actors) == 1 and next(iter(actors)).startswith("test-maintenance")


def test_lifecycle_notes_close_confirm(
    as_role: Callable[..., tuple[TestClient, dict[str, str]]], app: FastAPI
) -> None:
    c, h = as_role("maintenance")
    wo = c.post(BASE, json={"machine": _machine(app), "kind": "corrective", "title": "Leak"},
                headers=h).json()  # fmt: skip
    url = f"{BASE}/{wo['id']}"
    refused = c.post(f"{url}/close", json={"failure_mode": "hydraulic_leak"}, headers=h)
    assert refused.status_code == 409 and refused.json()["type"] == "conflict"
    assert "open to done" in refused.json()["detail"]
    started = c.post(f"{url}/transition", json={"to": "in_progress"}, headers=h)
    assert started.json()["status"] == "in_progress" and started.json()["started"]
    note = c.post(f"{url}/notes", json={"text": "seal replaced"}, headers=h)
    assert note.status_code == 201 and note.json()["notes"][0]["text"] == "seal replaced"
    bad = c.post(f"{url}/close", json={"failure_mode": "gremlins"}, headers=h)
    assert bad.status_code == 422
    closed = c.post(f"{url}/close", json={"failure_mode": "hydraulic_leak", "time_spent_h": 1.5},
                    headers=h).json()  # fmt: skip
    assert closed["status"] == "done" and closed["failure_mode"] == "hydraulic_leak"
    assert closed["time_spent_h"] == 1.5
    again = c.post(f"{url}/transition", json={"to": "cancelled"}, headers=h)
    assert again.status_code == 409
    op, oh = as_role("operator")
    confirmed = op.post(f"{url}/confirm", json={"note": "runs quiet"}, headers=oh)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["notes"][-1]["text"] == "confirmed at the machine: runs quiet"
    assert op.post(f"{url}/transition", json={"to": "cancelled"}, headers=oh).status_code == 403


def test_permissions_and_errors(
    as_role: Callable[..., tuple[TestClient, dict[str, str]]],
    anon_client: TestClient,
    app: FastAPI,
) -> None:
    viewer, vh = as_role("viewer")
    assert viewer.get(BASE).status_code == 200
    body = {"machine": _machine(app), "kind": "corrective", "title": "x"}
    denied = viewer.post(BASE, json=body, headers=vh)
    assert denied.status_code == 403 and denied.json()["type"] == "forbidden"
    assert anon_client.get(BASE).status_code == 401
    c, h = as_role("admin")
    assert c.get(f"{BASE}/WO-NOPE").status_code == 404
    unknown = c.post(BASE, json={**body, "machine": "nope"}, headers=h)
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    assert c.post(BASE, json={**body, "kind": "magic"}, headers=h).status_code == 422
    assert c.get(BASE, params={"limit": 0}).status_code == 422
    half = c.post(BASE, json={**body, "scheduled_start": "2026-12-01T06:00:00+09:00"}, headers=h)
    assert half.status_code == 422 and "both" in half.json()["detail"]
