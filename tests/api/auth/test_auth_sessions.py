"""Cookie sessions: flags, stored only as a hash, expiry, sliding renewal, sign-out."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from smartfactory.api.auth.users import create_user, find_user, set_password, update_user
from smartfactory.api.testing import signed_in
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

LOGIN = "/api/v1/auth/login"
PASSWORD = "a long enough password"  # noqa: S105 - a test password


def _login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, json={"username": name, "password": password})


def test_cookie_flags_and_only_a_hash_is_stored(anon_client: TestClient, store: Store) -> None:
    create_user(store, "kim", PASSWORD, "viewer")
    response = _login(anon_client, "kim")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sf_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http (tests); see the https test below
    assert "Path=/" in cookie
    assert response.headers["cache-control"] == "no-store"
    secret = anon_client.cookies["sf_session"]
    rows = store.query("SELECT id, csrf FROM sessions")
    assert len(rows) == 1
    assert rows[0][0] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(rows)
    assert response.json()["csrf_token"] == rows[0][1]
    assert response.json()["user"]["username"] == "kim"
    assert "password" not in response.text


def test_secure_cookie_over_https(new_client: Any, store: Store) -> None:
    create_user(store, "kim", PASSWORD, "viewer")
    client = new_client(base_url="https://testserver")
    response = _login(client, "kim")
    assert "Secure" in response.headers["set-cookie"]


def test_session_expires_when_idle_and_slides_when_used(
    anon_client: TestClient, store: Store, wall: Any
) -> None:
    signed_in(anon_client, store, "viewer")
    assert anon_client.get("/api/v1/live").status_code == 200
    wall.advance(hours=11)
    assert anon_client.get("/api/v1/live").status_code == 200  # renews to +12 h from now
    wall.advance(hours=11)
    assert anon_client.get("/api/v1/live").status_code == 200
    wall.advance(hours=12, seconds=1)
    response = anon_client.get("/api/v1/live")
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert store.query("SELECT count(*) FROM sessions")[0][0] == 0  # expired row removed


def test_sessions_end_after_seven_days_even_when_used(
    anon_client: TestClient, store: Store, wall: Any
) -> None:
    signed_in(anon_client, store, "viewer")
    for _ in range(7 * 24 // 10):
        wall.advance(hours=10)
        assert anon_client.get("/api/v1/auth/me").status_code == 200
    wall.advance(hours=10)
    assert anon_client.get("/api/v1/auth/me").status_code == 401


def test_logout_ends_the_session(anon_client: TestClient, store: Store) -> None:
    headers = signed_in(anon_client, store, "viewer")
    secret = anon_client.cookies["sf_session"]
    response = anon_client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 204
    assert (
        'sf_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in (response.headers["set-cookie"])
    )
    assert store.query("SELECT count(*) FROM sessions")[0][0] == 0
    anon_client.cookies.set("sf_session", secret, domain="testserver.local")  # copied: dead too
    assert anon_client.get("/api/v1/live").status_code == 401


def test_sign_in_replaces_an_earlier_session(anon_client: TestClient, store: Store) -> None:
    create_user(store, "kim", PASSWORD, "viewer")
    anon_client.cookies.set("sf_session", "chosen-by-an-attacker", domain="testserver.local")
    _login(anon_client, "kim")
    assert anon_client.cookies["sf_session"] != "chosen-by-an-attacker"
    first = anon_client.cookies["sf_session"]
    _login(anon_client, "kim")
    assert store.query("SELECT count(*) FROM sessions")[0][0] == 1  # the first one was closed
    assert anon_client.cookies["sf_session"] != first


def test_disabling_or_a_new_password_ends_sessions(new_client: Any, store: Store) -> None:
    a, b = new_client(), new_client()
    signed_in(a, store, "viewer", username="lee")
    signed_in(b, store, "operator", username="park")
    lee, park = find_user(store, "lee"), find_user(store, "park")
    assert lee is not None and park is not None
    update_user(store, lee.id, disabled=True)
    set_password(store, park.id, "another long password")
    assert a.get("/api/v1/live").status_code == 401
    assert b.get("/api/v1/live").status_code == 401
    assert _login(a, "lee").status_code == 401  # disabled: refused like a wrong password
    assert _login(b, "park", "another long password").status_code == 200


def test_garbage_cookies_are_401(anon_client: TestClient) -> None:
    for value in ("", "x", "a" * 500):
        anon_client.cookies.set("sf_session", value)
        assert anon_client.get("/api/v1/live").status_code == 401
