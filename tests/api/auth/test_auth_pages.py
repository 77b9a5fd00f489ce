"""The sign-in page, redirects to it, and the user menu of the overview."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from smartfactory.api.testing import signed_in
from smartfactory.store.base import Store


def _config(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="sf-config">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


def test_pages_redirect_to_the_sign_in_page(anon_client: Any) -> None:
    response = anon_client.get("/?lang=ko", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Flang%3Dko"
    form = anon_client.get(response.headers["location"]).text
    assert '<html lang="ko">' in form  # the form speaks the language of the page asked for


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("en", ["Sign in", "User name", "Password", "Changwon Plant 2"]),
        ("ko", ["로그인", "사용자 이름", "비밀번호", "창원 제2공장"]),
    ],
)
def test_sign_in_page(anon_client: Any, lang: str, texts: list[str]) -> None:
    response = anon_client.get("/login", params={"lang": lang, "next": "/?lang=ko"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert f'<html lang="{lang}">' in html
    for text in texts:
        assert text in html
    assert 'autocomplete="current-password"' in html
    assert "/static/login.js" in html
    config = _config(html)
    assert config["next"] == "/?lang=ko"
    assert config["api"] == {"login": "/api/v1/auth/login"}
    assert set(config["strings"]["login"]) >= {"failed", "rate_limited", "network"}


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x", ""]
)
def test_no_open_redirect(anon_client: Any, store: Store, target: str) -> None:
    assert _config(anon_client.get("/login", params={"next": target}).text)["next"] == "/"
    signed_in(anon_client, store, "viewer")
    again = anon_client.get("/login", params={"next": target}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/"


def test_signed_in_users_skip_the_form(anon_client: Any, store: Store) -> None:
    signed_in(anon_client, store, "viewer")
    response = anon_client.get("/login", params={"next": "/?lang=ko"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?lang=ko"


def test_overview_shows_the_user_and_a_sign_out(anon_client: Any, store: Store) -> None:
    signed_in(anon_client, store, "operator", username="kim.op")
    html = anon_client.get("/").text
    assert 'id="sf-signout"' in html and ">Sign out<" in html
    assert "Test operator" in html and ">Operator<" in html
    html_ko = anon_client.get("/?lang=ko").text
    assert ">로그아웃<" in html_ko and ">작업자<" in html_ko
    assert _config(html)["csrf"]["token"] == anon_client.get("/api/v1/auth/me").json()["csrf_token"]


def test_docs_need_sign_in(anon_client: Any, store: Store) -> None:
    assert anon_client.get("/api/v1/openapi.json").status_code == 401
    assert anon_client.get("/api/v1/docs").status_code == 404  # no CDN-backed docs page
    signed_in(anon_client, store, "viewer")
    assert (
        anon_client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("smartfactory")
    )


def test_security_headers_on_every_response(anon_client: Any) -> None:
    for path in ("/api/v1/health", "/api/v1/live", "/login", "/static/app.js"):
        response = anon_client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
