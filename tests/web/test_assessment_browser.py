"""The level-assessment and monthly-report pages in a real Chromium, in English and Korean.

Over 64 simulated days of the example plant (December and January complete, so the reports
page has a month and a baseline with data): an admin answers one question and sees its level, its
area and the overall score update; a viewer sees the assessment read-only; the reports page
opens on the last complete month, shows the PQCD cards, and its links give the HTML report.
Screenshots: ``docs/screenshots/page-assessment-<lang>.png`` and ``page-reports-<lang>.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive
from smartfactory.config import example_plant
from smartfactory.settings import Settings
from smartfactory.sim.engine import simulate
from smartfactory.store import open_store
from smartfactory.store.base import Store

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


@pytest.fixture(scope="module")
def diag_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, datetime]]:
    store = open_store(tmp_path_factory.mktemp("assess") / "plant.duckdb")
    # December and January complete, February begun: the reports page opens on January
    result = simulate(
        example_plant(), store, days=64, seed=7, start=datetime(2025, 12, 1, tzinfo=UTC)
    )
    yield store, result.end
    store.close()


@pytest.fixture(scope="module")
def diag_app(
    diag_store: tuple[Store, datetime], tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    store, end = diag_store
    plant = example_plant()
    settings = Settings(language="en", workspace=tmp_path_factory.mktemp("ws"))
    return create_app(settings, plant, ScriptedLive(plant, start=end), store)


def _assessment(page: Any, url: str, lang: str) -> None:
    """Answer one open question as an admin; its level, its area and the total update."""
    expect = _expect()
    page.goto(f"{url}/assessment?lang={lang}")
    row = page.locator("tr[data-question='strategy.plan']")
    expect(row.locator("[data-field='source'] .chip-open")).to_be_visible(timeout=15_000)
    scores = page.locator("tr[data-area] [data-field='score']").all_text_contents()
    scored = sum(text != "–" for text in scores)
    assert len(scores) == 8 and 0 < scored < 8  # areas without a level are not drawn
    expect(page.locator("#sf-area-chart svg rect.bar")).to_have_count(scored)
    expect(page.locator(".mainnav a[aria-current='page']")).to_have_attribute(
        "data-nav", "assessment"
    )
    strategy = page.locator("tr[data-area='strategy'] [data-field='score']")
    expect(strategy).to_have_text("–")
    row.locator("select").select_option("3")
    expect(row).to_have_class("assess-q dirty")
    page.locator("#sf-save").click()
    expect(row.locator("[data-field='source'] .chip-answer")).to_be_visible()
    expect(row.locator("[data-field='level']")).to_contain_text("3 ")
    expect(strategy).to_have_text("3")
    expect(page.locator("#sf-save")).to_be_disabled()
    expect(page.locator("#sf-roadmap tr[data-step]").first).to_be_visible()
    page.locator("#sf-toast").evaluate("el => { el.hidden = true; }")
    page.wait_for_timeout(300)
    shot = page.screenshot(full_page=True)  # bytes: a path= write would leave a thread behind
    (SCREENSHOTS / f"page-assessment-{lang}.png").write_bytes(shot)


def _reports(page: Any, context: Any, url: str, lang: str) -> None:
    """The last complete month by default; another month's PQCD cards; the report links."""
    expect = _expect()
    page.goto(f"{url}/reports?lang={lang}")
    expect(page.locator("#sf-pqcd .pqcd-card")).to_have_count(4, timeout=15_000)
    title = page.locator("#sf-report-title")
    expect(page.locator("#sf-month")).to_have_value("2026-01")
    expect(title).to_contain_text("2025-12")
    page.locator("#sf-month").select_option("2026-02")
    expect(title).to_contain_text("2026-02")
    page.locator("#sf-month").select_option("2026-01")
    expect(title).to_contain_text("2025-12")
    expect(page.locator(".pqcd-row[data-key='oee'] [data-field='value']")).to_contain_text("%")
    href = page.locator("#sf-open-html").get_attribute("href")
    assert href is not None and "month=2026-01" in href and "format=html" in href
    pdf = page.locator("#sf-download-pdf").get_attribute("href")
    assert pdf is not None and "format=pdf" in pdf
    report = context.request.get(url + href)
    assert report.status == 200 and "<svg" in report.text()
    page.wait_for_timeout(200)
    (SCREENSHOTS / f"page-reports-{lang}.png").write_bytes(page.screenshot(full_page=True))
    page.goto(url + href)  # the report itself, under its own CSP (no console errors)
    expect(page.locator("svg").first).to_be_visible()


def _viewer(browser: Any, url: str, store: Store, sign_in: Any) -> None:
    """A viewer reads the assessment (with the saved answer) but gets no answer form."""
    expect = _expect()
    viewer = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(viewer, url, store, "viewer")
    try:
        page = viewer.new_page()
        page.goto(f"{url}/assessment")
        row = page.locator("tr[data-question='strategy.plan']")
        expect(row.locator(".chip-answer")).to_be_visible(timeout=15_000)
        expect(page.locator("#sf-questions select")).to_have_count(0)
        expect(page.locator("#sf-save")).to_be_hidden()
    finally:
        viewer.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_assessment_and_reports_pages(  # noqa: PLR0917 - fixtures
    browser: Any,
    diag_app: FastAPI,
    diag_store: tuple[Store, datetime],
    serve: Any,
    sign_in: Any,
    watch_page: Any,
    lang: str,
) -> None:
    store, _ = diag_store
    store.execute("DELETE FROM plans WHERE kind = 'assessment_answers'")
    with serve(diag_app) as server:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        sign_in(context, server.url, store, "admin")
        try:
            page = context.new_page()
            problems = watch_page(page, server.url)
            _assessment(page, server.url, lang)
            _reports(page, context, server.url, lang)
            assert problems == []
        finally:
            context.close()
        if lang == "en":
            _viewer(browser, server.url, store, sign_in)
