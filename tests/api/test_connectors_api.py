"""Connector status and quarantine routes: a real poller and a real store, with permissions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from smartfactory.api.testing import signed_in
from smartfactory.connectors import Backoff, Poller, PollerConfig, Quarantine, Reason
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.store import Store
from smartfactory.store.audit import entries as audit_entries
from smartfactory.store.base import SignalKey

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]


@pytest.fixture
def as_role(
    app: FastAPI, store: Store, make_client: ClientFactory
) -> Iterator[Callable[[str], tuple[TestClient, dict[str, str]]]]:
    opened: list[AbstractContextManager[TestClient]] = []

    def open_(role: str) -> tuple[TestClient, dict[str, str]]:
        manager = make_client(app)
        opened.append(manager)
        client = manager.__enter__()
        return client, signed_in(client, store, role)

    yield open_
    for manager in reversed(opened):
        manager.__exit__(None, None, None)


def _poller(store: Store, tmp_path: Path) -> Poller:
    conn = MemoryConnector(MemoryConfig(tags={"a": 1.0, "text": "x"}))
    poller = Poller(
        conn, {"a": SignalKey("m1", "a"), "text": SignalKey("m1", "text")}, store,
        spill_dir=tmp_path / "spill", rng=np.random.default_rng(0), name="press-plc",
        quarantine=Quarantine(), config=PollerConfig(interval_s=0.01, backoff=Backoff()),
    )  # fmt: skip
    asyncio.run(poller.run(cycles=3))
    return poller


def test_connector_status_and_quarantine(
    as_role: Callable[[str], tuple[TestClient, dict[str, str]]],
    app: FastAPI, store: Store, tmp_path: Path,
) -> None:  # fmt: skip
    poller = _poller(store, tmp_path)
    app.state.context.pollers.add(poller)
    q = Quarantine(store=store)
    q.add("mqtt:a/b/c/d/m2", Reason.MALFORMED, "not JSON", b"{oops")
    q.add("mqtt:a/b/c/d/m2", Reason.NOT_FINITE, "temp: nan", b"\xff\xfe")
    q.flush()
    viewer, viewer_headers = as_role("viewer")
    (status,) = viewer.get("/api/v1/connectors").json()
    assert status["name"] == "press-plc" and status["kind"] == "memory"
    assert status["state"] == "online" and status["stored_rows"] == 3
    assert status["rejects"] == {"unstorable": 3}  # the text tag, once per cycle

    page = viewer.get("/api/v1/quarantine", params={"source": "mqtt", "limit": 1}).json()
    assert [e["reason"] for e in page["entries"]] == ["not_finite"]
    assert page["entries"][0]["payload_encoding"] == "base64"
    assert {c["reason"]: c["count"] for c in page["counts"]} == {"malformed": 1, "not_finite": 1}
    second = viewer.get("/api/v1/quarantine", params={"source": "mqtt", "offset": 1}).json()
    assert [e["payload"] for e in second["entries"]] == ["{oops"]
    everything = viewer.get("/api/v1/quarantine").json()
    assert {c["reason"] for c in everything["counts"]} == {"malformed", "not_finite", "unstorable"}
    assert viewer.get("/api/v1/quarantine", params={"reason": "nope"}).status_code == 422

    assert viewer.delete("/api/v1/quarantine", headers=viewer_headers).status_code == 403
    admin, headers = as_role("admin")
    cleared = admin.delete("/api/v1/quarantine", params={"reason": "malformed"}, headers=headers)
    assert cleared.status_code == 200 and cleared.json() == {"deleted": 1}
    left = admin.get("/api/v1/quarantine").json()["counts"]
    assert {c["reason"] for c in left} == {"not_finite", "unstorable"}
    assert audit_entries(store, limit=5)[0].action == "quarantine.clear"


def test_routes_need_a_signed_in_user(anon_client: TestClient) -> None:
    assert anon_client.get("/api/v1/connectors").status_code == 401
    assert anon_client.get("/api/v1/quarantine").status_code == 401
