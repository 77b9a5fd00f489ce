"""Signing in and out in a real Chromium: the form, the overview, the user menu, sign-out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from smartfactory.api.auth.users import create_user
from smartfactory.store.base import Store

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "Plant-2 night shift"  # noqa: S105 - a test password


def test_sign_in_see_the_overview_and_sign_out(
    browser: Any, server: Any, store: Store, watch_page: Any
) -> None:
    from playwright.sync_api import expect

    create_user(store, "kim.operator", PASSWORD, "operator", display_name="Kim Min-jun")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
        expect(page.locator("h1")).to_have_text("Sign in")
        expect(page.locator("#sf-username")).to_be_focused()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "login.png").write_bytes(page.screenshot())

        # a wrong password: a clear message, the password field cleared, no navigation
        page.fill("#sf-username", "kim.operator")
        page.fill("#sf-password", "not the password")
        page.click("#sf-login-submit")
        expect(page.locator("#sf-login-error")).to_have_text("Wrong user name or password.")
        expect(page.locator("#sf-password")).to_have_value("")
        expect(page).to_have_url(re.compile(r"/login"))

        problems = watch_page(page, server.url)
        page.fill("#sf-password", PASSWORD)
        page.click("#sf-login-submit")
        expect(page).to_have_url(server.url + "/")
        expect(page.locator("[data-machine]")).to_have_count(18)
        expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=10_000)
        expect(page.locator(".user-name")).to_have_text("Kim Min-jun")
        expect(page.locator(".user-role")).to_have_text("Operator")
        cookie = next(c for c in context.cookies() if c["name"] == "sf_session")
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # scripts cannot read the session

        # sign out: the page posts with its CSRF token (a 403 would leave the session)
        page.click("#sf-signout")
        expect(page).to_have_url(re.compile(r"/login$"))
        assert store.query(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE u.username = 'kim.operator'"
        ) == [(0,)]
        page.goto(server.url + "/")
        expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
        assert problems == []
    finally:
        context.close()


def test_sign_in_page_in_korean(browser: Any, server: Any, watch_page: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        problems = watch_page(page, server.url)
        page.goto(server.url + "/login?lang=ko")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page.locator("h1")).to_have_text("로그인")
        expect(page.locator(".login-lang a[aria-current='true']")).to_have_text("한국어")
        page.click("#sf-login-submit")  # empty form: said so, nothing sent
        expect(page.locator("#sf-login-error")).to_have_text("사용자 이름과 비밀번호를 입력하세요.")
        (SCREENSHOTS / "login-ko.png").write_bytes(page.screenshot())
        assert problems == []
    finally:
        context.close()


def test_page_requests_send_csrf_and_a_401_goes_to_sign_in(
    browser: Any, server: Any, store: Store, sign_in: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        name = sign_in(context, server.url, store, "operator")
        page = context.new_page()
        page.goto(server.url + "/?lang=ko")
        expect(page.locator("[data-machine]")).to_have_count(18)
        statuses = page.evaluate(
            """async () => {
              const body = JSON.stringify({name: "tablet"});
              const headers = {"Content-Type": "application/json"};
              const bare = await fetch("/api/v1/auth/tokens", {method: "POST", headers, body});
              const viaSf = await window.sf.request(
                "/api/v1/auth/tokens", {method: "POST", headers, body});
              return [bare.status, viaSf.status];
            }"""
        )
        assert statuses == [403, 201]  # a plain fetch lacks the CSRF header; sf.request sends it
        # the session ends on the server: the next request of the page leads to sign-in
        store.execute(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)",
            [name],
        )
        page.evaluate("window.sf.request('/api/v1/live').catch(() => null)")
        expect(page).to_have_url(re.compile(r"/login\?next=%2F%3Flang%3Dko$"))
        expect(page.locator("h1")).to_have_text("로그인")
    finally:
        context.close()
