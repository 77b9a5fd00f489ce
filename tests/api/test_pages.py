from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, signed_in
from smartfactory.domain.assets import MachineType, Plant
from smartfactory.domain.states import MachineState
from smartfactory.settings import Settings
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
from smartfactory.web import format as fmt
from smartfactory.web.i18n import LANGUAGES, Translator, load_strings


def _keys(node: object, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        return {k for key, value in node.items() for k in _keys(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def test_languages_have_the_same_keys() -> None:
    assert _keys(load_strings("en")) == _keys(load_strings("ko"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_state_and_type_is_translated(language: str) -> None:
    t = Translator(language)
    for state in MachineState:
        assert t("states." + state.label) != "states." + state.label
    for kind in MachineType:
        assert t("machine_types." + kind.value) != "machine_types." + kind.value
    assert len(t.list("weekdays")) == 7


def test_translator_fallbacks() -> None:
    t = Translator("ko")
    assert t("states.producing") == "생산 중"
    assert t("no.such.key") == "no.such.key"
    assert t.get("reasons.who_knows", "who_knows") == "who_knows"
    assert t("duration.hm", h=1, m=5) == "1시간 5분"
    with pytest.raises(ValueError, match="unsupported language"):
        Translator("de")


def test_formatting() -> None:
    en, ko = Translator("en"), Translator("ko")
    assert fmt.percent(0.6734) == "67%"
    assert fmt.percent(0.01734, digits=1) == "1.7%"
    assert fmt.percent(None) == fmt.DASH
    assert fmt.number(12345) == "12,345"
    assert [fmt.duration(s, en) for s in (5, 125, 3900, 90000)] == [
        "5 s",
        "2 min",
        "1 h 5 min",
        "1 d 1 h",
    ]
    assert fmt.duration(3900, ko) == "1시간 5분"


def test_overview_english(client: TestClient, plant: Plant) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="en">' in html
    assert "Changwon Plant 2" in html
    assert html.count('class="tile"') == 18
    for machine in plant.machines():
        assert f'data-machine="{machine.id}"' in html
    assert 'data-state="unplanned_stop"' in html
    assert ">Unplanned stop<" in html
    assert ">Failure<" in html
    assert "2025-03-12 (Wed)" in html  # 01:30 UTC is 10:30 in Seoul
    assert ">Day<" in html
    assert html.count('data-line="') == 3


def test_overview_korean(client: TestClient) -> None:
    html = client.get("/?lang=ko").text
    assert '<html lang="ko">' in html
    assert "창원 제2공장" in html
    assert ">생산 중<" in html
    assert ">비계획 정지<" in html
    assert "CNC 선반 3호기 (5축 고정밀 가공)" in html
    assert "(수)" in html
    assert ">주간<" in html
    config = re.search(r'<script type="application/json" id="sf-config">(.*?)</script>', html)
    assert config is not None
    data = json.loads(config.group(1))
    assert data["lang"] == "ko"
    assert data["strings"]["states"]["producing"] == "생산 중"
    assert data["api"] == {
        "live": "/api/v1/live",
        "stream": "/api/v1/live/stream",
        "logout": "/api/v1/auth/logout",
    }
    assert data["login"] == "/login"
    assert data["csrf"]["header"] == "X-CSRF-Token"
    assert data["csrf"]["token"] == client.get("/api/v1/auth/me").json()["csrf_token"]
    assert data["products"]["bracket-a"] == "브래킷 A"


def test_language_default_and_fallback(plant: Plant, store: Store, make_client: Any) -> None:
    app = create_app(Settings(language="ko"), plant, ScriptedLive(plant), store)
    with make_client(app) as c:
        signed_in(c, store, "viewer")
        assert '<html lang="ko">' in c.get("/").text
        assert '<html lang="ko">' in c.get("/?lang=xx").text
        assert '<html lang="en">' in c.get("/?lang=en").text


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/app.js", "javascript"),
        ("/static/app.css", "text/css"),
        ("/static/favicon.svg", "image/svg+xml"),
        ("/static/login.js", "javascript"),
        ("/favicon.ico", "image/svg+xml"),
    ],
)
def test_static_files(anon_client: TestClient, path: str, kind: str) -> None:
    response = anon_client.get(path)  # static files need no sign-in
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


def test_assets_are_local(client: TestClient, anon_client: TestClient) -> None:
    html = client.get("/").text
    login = anon_client.get("/login").text
    css = client.get("/static/app.css").text
    js = client.get("/static/app.js").text + client.get("/static/login.js").text
    for text in (html, login, css, js):
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text)
        assert "@import" not in text
        assert "url(http" not in text
    assert "Noto Sans CJK KR" in css
    assert "Malgun Gothic" in css
    assert "Apple SD Gothic Neo" in css
