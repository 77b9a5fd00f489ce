"""User administration over the API, and the audit log of every account change."""

from __future__ import annotations

from typing import Any

import pytest

from smartfactory.api.auth import ensure_admin
from smartfactory.api.auth.bootstrap import FIRST_ADMIN, first_admin_notice
from smartfactory.api.auth.users import find_user, has_admin
from smartfactory.api.testing import signed_in
from smartfactory.store import audit
from smartfactory.store.base import Store

USERS = "/api/v1/users"
NEW = {"username": "Kim.Operator", "password": "a long enough password", "role": "operator"}


def _actions(store: Store) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in reversed(audit.entries(store, limit=500))]


def test_admin_manages_users_and_everything_is_audited(new_client: Any, store: Store) -> None:
    admin = new_client()
    headers = signed_in(admin, store, "admin", username="boss")
    made = admin.post(
        USERS, json={**NEW, "display_name": "김 작업자", "locale": "ko"}, headers=headers
    )
    assert made.status_code == 201, made.text
    user = made.json()
    assert user["username"] == "kim.operator"
    assert user["role"] == "operator" and user["locale"] == "ko"
    assert "password" not in made.text and "hash" not in made.text
    assert admin.post(USERS, json=NEW, headers=headers).status_code == 409
    bad = admin.post(USERS, json={**NEW, "username": "kim lee"}, headers=headers)
    assert bad.status_code == 422 and "invalid user name" in bad.json()["detail"]
    short = admin.post(USERS, json={**NEW, "username": "lee", "password": "short"}, headers=headers)
    assert short.status_code == 422
    assert [u["username"] for u in admin.get(USERS).json()] == ["boss", "kim.operator"]
    assert admin.get(f"{USERS}/{user['id']}").json()["display_name"] == "김 작업자"
    assert admin.get(f"{USERS}/nope").status_code == 404

    # the new user signs in, then is promoted, then disabled (sessions end at once)
    kim = new_client()
    login = {"username": "kim.operator", "password": NEW["password"]}
    assert kim.post("/api/v1/auth/login", json=login).status_code == 200
    assert (
        kim.post("/api/v1/auth/login", json={**login, "password": "wrong password"}).status_code
        == 401
    )
    changed = admin.patch(f"{USERS}/{user['id']}", json={"role": "maintenance"}, headers=headers)
    assert changed.json()["role"] == "maintenance"
    assert kim.get("/api/v1/auth/me").json()["user"]["role"] == "maintenance"  # at once
    token = kim.post(
        "/api/v1/auth/tokens",
        json={"name": "tablet"},
        headers={"X-CSRF-Token": kim.get("/api/v1/auth/me").json()["csrf_token"]},
    ).json()
    assert admin.patch(f"{USERS}/{user['id']}", json={"disabled": True}, headers=headers).json()[
        "disabled"
    ]
    assert kim.get("/api/v1/auth/me").status_code == 401
    assert (
        kim.get("/api/v1/live", headers={"Authorization": f"Bearer {token['token']}"}).status_code
        == 401
    )
    assert (
        admin.patch(f"{USERS}/{user['id']}", json={"disabled": False}, headers=headers).status_code
        == 200
    )
    assert (
        admin.patch(
            f"{USERS}/{user['id']}", json={"password": "a new long password"}, headers=headers
        ).status_code
        == 200
    )
    assert kim.post("/api/v1/auth/login", json=login).status_code == 401
    assert (
        kim.post(
            "/api/v1/auth/login", json={**login, "password": "a new long password"}
        ).status_code
        == 200
    )
    assert admin.post("/api/v1/auth/logout", headers=headers).status_code == 204

    actions = _actions(store)
    target = "user:kim.operator"
    assert ("boss", "user.created", target) in actions
    assert ("kim.operator", "auth.login", target) in actions
    assert ("kim.operator", "auth.login_failed", target) in actions
    assert ("boss", "user.updated", target) in actions
    assert ("kim.operator", "token.created", f"token:{token['id']}") in actions
    assert ("boss", "user.disabled", target) in actions
    assert ("boss", "user.enabled", target) in actions
    assert ("boss", "user.password_set", target) in actions
    assert ("boss", "auth.logout", "user:boss") in actions
    failed = next(e for e in audit.entries(store, limit=500) if e.action == "auth.login_failed")
    assert failed.data == {"address": "testclient"}
    assert "wrong password" not in str(audit.entries(store, limit=500))  # never a password


def test_token_revocation_is_audited(anon_client: Any, store: Store) -> None:
    headers = signed_in(anon_client, store, "viewer", username="kiosk")
    made = anon_client.post("/api/v1/auth/tokens", json={"name": "wall"}, headers=headers).json()
    anon_client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=headers)
    assert ("kiosk", "token.revoked", f"token:{made['id']}") in _actions(store)


def test_the_last_admin_cannot_be_demoted_or_disabled(anon_client: Any, store: Store) -> None:
    headers = signed_in(anon_client, store, "admin", username="only")
    me = anon_client.get("/api/v1/auth/me").json()["user"]["id"]
    for change in ({"role": "viewer"}, {"disabled": True}):
        response = anon_client.patch(f"{USERS}/{me}", json=change, headers=headers)
        assert response.status_code == 409
        assert response.json()["type"] == "conflict"
    assert has_admin(store)


def test_audit_log_pages(anon_client: Any, store: Store) -> None:
    headers = signed_in(anon_client, store, "admin")
    for i in range(4):
        anon_client.post(
            USERS, json={**NEW, "username": f"user{i}", "role": "viewer"}, headers=headers
        )
    first = anon_client.get("/api/v1/audit", params={"limit": 3}).json()
    assert first["limit"] == 3 and first["offset"] == 0 and first["next_offset"] == 3
    assert [e["action"] for e in first["items"]] == ["user.created"] * 3
    rest = anon_client.get("/api/v1/audit", params={"limit": 3, "offset": 3}).json()
    assert rest["next_offset"] is None
    assert {e["action"] for e in rest["items"]} == {"user.created", "auth.login"}
    only = anon_client.get("/api/v1/audit", params={"target": "user:user2"}).json()
    assert [e["target"] for e in only["items"]] == ["user:user2"]
    assert anon_client.get("/api/v1/audit", params={"limit": 0}).status_code == 422


def test_first_admin_gets_a_random_password_once(store: Store) -> None:
    assert not has_admin(store)
    notice = first_admin_notice(store)
    assert notice is not None and FIRST_ADMIN in notice
    admin = find_user(store, FIRST_ADMIN)
    assert admin is not None and admin.role == "admin"
    assert first_admin_notice(store) is None  # only when no admin exists
    assert ensure_admin(store) is None


@pytest.mark.parametrize("text", ["password", "admin", "changeme", "smartfactory"])
def test_no_default_password_signs_in(anon_client: Any, store: Store, text: str) -> None:
    ensure_admin(store)
    response = anon_client.post("/api/v1/auth/login", json={"username": "admin", "password": text})
    assert response.status_code == 401
