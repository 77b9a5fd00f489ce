"""The overview page in a real Chromium: tiles, live updates, Korean, no errors, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, sample_plant
from smartfactory.settings import Settings
from smartfactory.store import open_store

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


# A tile whose machine produces in the scripted source (l1-tur-01 is producing).
PRODUCING = '[data-machine="l1-tur-01"]'


def test_overview_tiles_update_live(watched_page: Any, server: Any) -> None:
    expect = _expect()
    page = watched_page
    page.goto(server.url + "/")
    expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=10_000)
    tiles = page.locator("[data-machine]")
    expect(tiles).to_have_count(18)
    expect(page.locator("[data-line]")).to_have_count(3)
    expect(page.locator("h1.site")).to_have_text("Changwon Plant 2")
    expect(page.locator('[data-machine="l1-tur-03"] [data-field="state"]')).to_have_text(
        "Unplanned stop"
    )
    expect(page.locator('[data-machine="l1-tur-03"]')).to_have_attribute(
        "data-state", "unplanned_stop"
    )

    good = page.locator(PRODUCING + ' [data-field="good"]')
    clock = page.locator("#sf-time")
    before_good, before_clock = good.inner_text(), clock.inner_text()
    plant_good = page.locator('#sf-summary [data-field="good"]')
    before_plant = plant_good.inner_text()
    expect(good).not_to_have_text(before_good, timeout=5_000)
    expect(clock).not_to_have_text(before_clock, timeout=5_000)
    expect(plant_good).not_to_have_text(before_plant, timeout=5_000)
    assert int(good.inner_text().replace(",", "")) > int(before_good.replace(",", ""))

    # the stream is the source, not the fallback poll
    expect(page.locator("#sf-lost")).to_be_hidden()
    assert page.problems == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # bytes, not path=: Playwright would write the file from a lingering executor thread
    (SCREENSHOTS / "overview.png").write_bytes(page.screenshot(full_page=True))


def test_overview_korean(watched_page: Any, server: Any) -> None:
    expect = _expect()
    page = watched_page
    page.goto(server.url + "/?lang=ko")
    expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=10_000)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1.site")).to_have_text("창원 제2공장")
    expect(page.locator("#sf-conn .conn-text")).to_have_text("실시간")
    expect(page.locator(PRODUCING + ' [data-field="state"]')).to_have_text("생산 중")
    expect(page.locator('[data-machine="l1-tur-03"] [data-field="reason"]')).to_have_text("고장")
    expect(page.locator("#sf-shift")).to_have_text("주간")
    expect(page.locator('.lang a[aria-current="true"]')).to_have_text("한국어")
    expect(page.locator("#sf-date")).to_contain_text("(수)")
    assert page.problems == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "overview-ko.png").write_bytes(page.screenshot(full_page=True))


@pytest.mark.parametrize("width", [1366, 1920])
def test_korean_names_do_not_overflow(
    browser: Any, server: Any, store: Any, sign_in: Any, width: int
) -> None:
    expect = _expect()
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        sign_in(context, server.url, store)
        page = context.new_page()
        page.goto(server.url + "/?lang=ko")
        expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=10_000)
        overflow = page.evaluate(
            """() => {
              const bad = [];
              if (document.documentElement.scrollWidth > window.innerWidth) bad.push("page");
              for (const tile of document.querySelectorAll("[data-machine]")) {
                const box = tile.getBoundingClientRect();
                for (const el of tile.querySelectorAll("*")) {
                  const r = el.getBoundingClientRect();
                  if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
                    bad.push(tile.dataset.machine + " " + el.className + el.textContent);
                  }
                }
              }
              const tops = [...document.querySelectorAll('[data-line="line-1"] [data-machine]')]
                .map((t) => Math.round(t.getBoundingClientRect().top));
              if (new Set(tops).size !== 1) bad.push("line-1 tiles wrap: " + tops);
              return bad;
            }"""
        )
        assert overflow == []
    finally:
        context.close()


def test_connection_lost_is_shown(browser: Any, serve: Any, watch_page: Any, sign_in: Any) -> None:
    expect = _expect()
    plant = sample_plant(lines=1, machines_per_line=3)
    store = open_store(":memory:")
    app = create_app(Settings(), plant, ScriptedLive(plant), store)
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        with serve(app) as server:
            sign_in(context, server.url, store)
            problems = watch_page(page, server.url)
            page.goto(server.url + "/")
            expect(page.locator("[data-machine]")).to_have_count(3)
            expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live")
            assert problems == []
        # the server is gone: the page must say so rather than show stale numbers as live
        expect(page.locator("#sf-conn")).to_have_attribute("data-status", "lost", timeout=15_000)
        expect(page.locator("#sf-lost")).to_be_visible()
        expect(page.locator("body")).to_have_class("is-stale")
    finally:
        context.close()
        store.close()
