"""CSRF: cookie requests that change something need the session's X-CSRF-Token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartfactory.api.testing import signed_in
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TOKENS = "/api/v1/auth/tokens"


def test_unsafe_cookie_request_without_the_header_is_refused(
    anon_client: TestClient, store: Store
) -> None:
    headers = signed_in(anon_client, store, "viewer")
    missing = anon_client.post(TOKENS, json={"name": "display"})
    assert missing.status_code == 403
    assert missing.json() == {
        "detail": "missing or wrong X-CSRF-Token header",
        "type": "csrf_failed",
    }
    wrong = anon_client.post(TOKENS, json={"name": "display"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert anon_client.post("/api/v1/auth/logout").status_code == 403  # even signing out
    assert anon_client.post(TOKENS, json={"name": "display"}, headers=headers).status_code == 201
    assert anon_client.get(TOKENS).status_code == 200  # reading needs no token


def test_csrf_token_is_per_session(anon_client: TestClient, store: Store) -> None:
    first = signed_in(anon_client, store, "viewer")
    second = signed_in(anon_client, store, "viewer")
    assert first != second
    assert anon_client.post(TOKENS, json={"name": "x"}, headers=first).status_code == 403
    assert anon_client.post(TOKENS, json={"name": "x"}, headers=second).status_code == 201


def test_me_gives_the_csrf_token_to_the_page(anon_client: TestClient, store: Store) -> None:
    headers = signed_in(anon_client, store, "operator")
    me = anon_client.get("/api/v1/auth/me").json()
    assert me["csrf_token"] == headers["X-CSRF-Token"]
    assert me["via"] == "session"
    assert me["permissions"] == ["view", "assign_reason", "confirm_work_order"]
