"""Bearer API tokens: shown once, stored hashed, last used, revocable, bound to the user."""

from __future__ import annotations

import hashlib
from typing import Any

from smartfactory.api.auth.users import find_user, update_user
from smartfactory.api.testing import signed_in
from smartfactory.store.base import Store

TOKENS = "/api/v1/auth/tokens"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_lifecycle(new_client: Any, store: Store, wall: Any) -> None:
    browser, script = new_client(), new_client()
    headers = signed_in(browser, store, "operator", username="line1")
    made = browser.post(TOKENS, json={"name": "line-1 display"}, headers=headers)
    assert made.status_code == 201
    body = made.json()
    token = body["token"]
    assert token.startswith("sf_") and len(token) > 40
    assert body["last_used"] is None and body["revoked"] is False
    # stored only as a hash; never listed again
    assert store.query("SELECT token_hash FROM api_tokens")[0][0] == (
        hashlib.sha256(token.encode()).hexdigest()
    )
    listed = browser.get(TOKENS).json()
    assert [t["name"] for t in listed] == ["line-1 display"]
    assert "token" not in listed[0]
    # a script uses it: no cookie, no CSRF header needed for changes
    me = script.get("/api/v1/auth/me", headers=_bearer(token)).json()
    assert me["user"]["username"] == "line1"
    assert me["via"] == "token" and me["csrf_token"] is None
    assert browser.get(TOKENS).json()[0]["last_used"] is not None
    assert "sf_session" not in script.cookies
    # tokens do not mint tokens
    again = script.post(TOKENS, json={"name": "more"}, headers=_bearer(token))
    assert again.status_code == 403
    # revoke: 204, then 401 for the script
    gone = browser.delete(f"{TOKENS}/{body['id']}", headers=headers)
    assert gone.status_code == 204
    refused = script.get("/api/v1/live", headers=_bearer(token))
    assert refused.status_code == 401
    assert refused.json()["detail"] == "the API token is invalid or revoked"
    assert browser.get(TOKENS).json()[0]["revoked"] is True


def test_tokens_of_others_cannot_be_revoked(new_client: Any, store: Store) -> None:
    a, b = new_client(), new_client()
    ha = signed_in(a, store, "viewer")
    hb = signed_in(b, store, "admin")
    token_id = a.post(TOKENS, json={"name": "mine"}, headers=ha).json()["id"]
    assert b.delete(f"{TOKENS}/{token_id}", headers=hb).status_code == 404
    assert b.get(TOKENS).json() == []


def test_a_disabled_users_tokens_stop_working(new_client: Any, store: Store) -> None:
    browser, script = new_client(), new_client()
    headers = signed_in(browser, store, "viewer", username="kiosk")
    token = browser.post(TOKENS, json={"name": "kiosk"}, headers=headers).json()["token"]
    assert script.get("/api/v1/live", headers=_bearer(token)).status_code == 200
    kiosk = find_user(store, "kiosk")
    assert kiosk is not None
    update_user(store, kiosk.id, disabled=True)
    assert script.get("/api/v1/live", headers=_bearer(token)).status_code == 401


def test_malformed_authorization_headers_are_401(anon_client: Any) -> None:
    for header in ("Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer sf_" + "x" * 43):
        response = anon_client.get("/api/v1/live", headers={"Authorization": header})
        assert response.status_code == 401, header
