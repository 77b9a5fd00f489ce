"""Every dashboard page in a real Chromium over a store the simulator filled.

Signs in, opens each page in English and Korean (no console errors, no failed or off-server
requests; a screenshot of each in ``docs/screenshots/page-<name>-<lang>.png``), checks the
machine page's charts, approves a decision in the maintenance inbox, assigns a downtime
reason and confirms a work order in the operator view, switches the language through the
menu, and shows the TV wall.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from tests.decisions.helpers import maintenance_proposal

from smartfactory.api import create_app
from smartfactory.api.auth.users import find_user
from smartfactory.api.server import make_server
from smartfactory.api.testing import ScriptedLive
from smartfactory.config import example_plant
from smartfactory.decisions import service
from smartfactory.decisions import workorders as wo_repo
from smartfactory.decisions.log import Proposal, get_decision
from smartfactory.domain.assets import Plant
from smartfactory.domain.records import Event
from smartfactory.kpi.spc.alerts import SPC_EVENT
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.settings import Settings
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store
from smartfactory.store.base import Store

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
H = timedelta(hours=1)


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _proposal(machine: str, scope: str, now: datetime, benefit: float) -> Proposal:
    return maintenance_proposal(
        scope=scope, machine=machine, benefit=benefit, with_spec=False, now=now
    )


def _plans(store: Store, plant: Plant, now: datetime) -> None:
    """An older plan and the active re-plan that moved one operation (rows as planning writes)."""
    machines = [m.id for m in plant.machines()]
    ops = []
    for i, machine in enumerate(machines):
        for k in range(3):
            start = now + (k * 3 + i % 3) * H
            ops.append(
                {
                    "order": f"PO-{1001 + (i + k) % 6}",
                    "batch": 0,
                    "product": plant.products[(i + k) % len(plant.products)].id,
                    "operation": "make",
                    "machine": machine,
                    "start": start.isoformat(),
                    "end": (start + 2 * H).isoformat(),
                }
            )
    job = {
        "machine": "cnc-03",
        "start": (now + 9 * H).isoformat(),
        "end": (now + 11 * H).isoformat(),
    }
    move = {
        "order": "PO-1003",
        "batch": 0,
        "operation": "make",
        "old_machine": "cnc-03",
        "new_machine": "cnc-04",
        "old_start": (now + 9 * H).isoformat(),
        "new_start": (now + 12 * H).isoformat(),
        "reason": "cnc-03 is down for maintenance 9-11 h from now",
    }
    rows = [
        ("plan-old", now - 6 * H, "superseded", "daily plan", {"operations": ops}),
        (
            "plan-new",
            now - H,
            "active",
            "maintenance window on cnc-03",
            {
                "operations": ops,
                "maintenance": [{**job, "work_order_id": "WO-0001"}],
                "moves": [move],
                "previous_id": "plan-old",
                "summary_en": "Moved PO-1003 from CNC lathe 3 to CNC lathe 4 for the bearing job.",
                "summary_ko": "베어링 교체를 위해 PO-1003을 CNC 선반 3호기에서 4호기로 옮겼습니다.",
            },
        ),
    ]
    for plan_id, created, status, reason, data in rows:
        store.execute(
            "INSERT INTO plans (id, created, kind, status, reason, data) VALUES (?, ?, ?, ?, ?, ?)",
            [plan_id, created, "production", status, reason, json.dumps(data)],
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two simulated days of the example plant in a store, with decisions, work orders, plans."""
    plant = example_plant()
    store = open_store(tmp_path_factory.mktemp("pages") / "plant.duckdb")
    sim = FactorySimulation(plant, store, seed=5, sample_interval_s=60.0)
    result = sim.run_for(timedelta(days=2))
    now = result.end
    waiting = service.propose(store, _proposal("cnc-03", "shaft-line", now, 1_240_000.0), now)
    answered = service.propose(
        store, _proposal("press-02", "bracket-line", now - 5 * H, 310_000.0), now - 5 * H
    )
    service.approve(store, answered.id, actor="kim.planner", now=now - 4 * H)
    done = wo_repo.create(
        store, machine="cnc-01", kind="corrective", title="Replace coolant pump seal",
        actor="kim.maint", now=now - 8 * H, priority=2,
    )  # fmt: skip
    wo_repo.transition(store, done.id, "in_progress", actor="kim.maint", now=now - 7 * H)
    wo_repo.close(store, done.id, "hydraulic_leak", actor="kim.maint", now=now - 6 * H)
    wo_repo.create(
        store, machine="imm-02", kind="inspection", title="Check heater band",
        actor="kim.maint", now=now - 3 * H, priority=3,
    )  # fmt: skip
    _plans(store, plant, now)
    store.write_events(
        [
            Event(
                timestamp=now - 2 * H,
                kind=SPC_EVENT,
                source="weld-01",
                message="weld-01 torch_temperature: imr chart rule(s) N2",
                data={"machine": "weld-01", "signal": "torch_temperature", "rules": ["N2"]},
            )
        ]
    )
    live = ScriptedLive(plant, start=now, speed=1.0, rate=1.0)
    health = LiveMaintenance(store, None, backfill=timedelta(days=2))
    health.poll()  # score the two days once, in this thread (no service thread is started)
    yield {
        "plant": plant,
        "store": store,
        "now": now,
        "decision": waiting.id,
        "done_wo": done.id,
        "live": live,
        "health": health,
    }
    store.close()


@pytest.fixture(scope="module")
def pages_app(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    settings = Settings(language="en", workspace=tmp_path_factory.mktemp("ws"))
    # health and RUL as the live maintenance service reports them
    return create_app(
        settings, world["plant"], world["live"], world["store"], maintenance=world["health"]
    )


class _Server:
    """The app on uvicorn, 127.0.0.1, a free port, in a thread (as conftest's ServerThread)."""

    def __init__(self, app: FastAPI) -> None:
        self.server = make_server(app, "127.0.0.1", 0, configure_logging=False)
        self.thread = threading.Thread(target=self.server.run, name="sf-test-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture(scope="module")
def pages_server(pages_app: FastAPI) -> Iterator[_Server]:
    running = _Server(pages_app)
    running.thread.start()
    deadline = time.monotonic() + 15
    while not running.server.started:
        assert running.thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield running
    finally:
        running.server.should_exit = True
        running.thread.join(15)
        assert not running.thread.is_alive(), "server did not stop"


def _context(browser: Any, server: Any, store: Store, role: str, sign_in: Any, **kw: Any) -> Any:
    context = browser.new_context(viewport=kw.pop("viewport", {"width": 1440, "height": 900}), **kw)
    sign_in(context, server.url, store, role)
    return context


PAGES: list[tuple[str, str, str]] = [
    # name, path, a selector that shows the page finished loading
    ("overview", "/", "#sf-conn[data-status='live']"),
    ("machines", "/machines", "[data-machine-link] [data-field='state']"),
    ("machine", "/machines/cnc-01", "[data-signal] svg path"),
    ("oee", "/oee", "body[data-loaded='1'] #sf-pareto svg"),
    ("quality", "/quality?machine=weld-01&signal=torch_temperature", "#sf-spc svg circle"),
    ("maintenance", "/maintenance", "[data-decision]"),
    ("schedule", "/schedule", "#sf-gantt svg rect"),
    ("operator", "/operator?machine=cnc-01", ".stop"),
    ("settings", "/settings", "#sf-users table"),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_page_in_both_languages(  # noqa: PLR0917 - fixtures
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any, lang: str
) -> None:
    expect = _expect()
    context = _context(browser, pages_server, world["store"], "admin", sign_in)
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        for name, path, ready in PAGES:
            sep = "&" if "?" in path else "?"
            page.goto(pages_server.url + path + sep + "lang=" + lang)
            expect(page.locator(ready).first).to_be_attached(timeout=15_000)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            current = page.locator(".mainnav a[aria-current='page']")
            if name != "machine":
                expect(current).to_have_count(1)
            page.wait_for_timeout(300)  # let the last charts draw
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                f"{name} overflows sideways"
            )
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"page-{name}-{lang}.png").write_bytes(page.screenshot(full_page=True))
        if lang == "ko":
            expect(page.locator(".mainnav a[data-nav='maintenance']")).to_have_text("보전")
        assert problems == []
    finally:
        context.close()


def test_machine_page_shows_charts_timeline_and_live_state(
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any
) -> None:
    expect = _expect()
    context = _context(browser, pages_server, world["store"], "viewer", sign_in)
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        page.goto(pages_server.url + "/machines/cnc-01")
        charts = page.locator("[data-signal][data-kind='analog']")
        expect(charts).to_have_count(3)
        for i in range(3):
            expect(charts.nth(i).locator("svg path").first).to_be_attached(timeout=10_000)
        assert int(charts.first.get_attribute("data-points") or 0) > 50
        expect(page.locator("#sf-timeline svg rect.bar").first).to_be_attached()
        # live state from the stream fills the header (cnc-01 produces in the scripted source)
        head = page.locator(".machine-head[data-machine='cnc-01']")
        expect(head.locator("[data-field='state']")).to_have_text("Producing", timeout=10_000)
        health = page.locator("#sf-health")
        expect(health.locator(".health-value")).to_have_text(re.compile(r"^\d{1,3}$"))
        expect(health.locator("[data-field='rul']")).to_have_text(re.compile(r"^[\d,]+ h$"))
        expect(health.locator(".contrib-row").first).to_be_visible()
        page.locator("#sf-range button[data-hours='24']").click()
        expect(page.locator("#sf-range button[data-hours='24']")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(charts.first.locator("svg path").first).to_be_attached()
        # a viewer reads the inbox but gets no buttons to answer it
        page.goto(pages_server.url + "/maintenance")
        card = page.locator(f"#sf-inbox [data-decision='{world['decision']}']")
        expect(card).to_contain_text("Your role cannot answer this decision.")
        expect(card.locator("button")).to_have_count(0)
        assert problems == []
    finally:
        context.close()


def test_approve_a_decision_in_the_inbox(
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any
) -> None:
    expect = _expect()
    store = world["store"]
    context = _context(browser, pages_server, store, "maintenance", sign_in)
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        page.goto(pages_server.url + "/maintenance?lang=ko")
        card = page.locator(f"[data-decision='{world['decision']}']").first
        # the explanation in the user's language
        expect(card.locator("[data-field='explanation']")).to_contain_text("교대 전")
        card.locator("button[data-action='approve']").click()
        expect(page.locator("#sf-toast")).to_contain_text("승인됨")
        expect(page.locator(f"#sf-inbox [data-decision='{world['decision']}']")).to_have_count(0)
        expect(page.locator(f"#sf-history [data-decision='{world['decision']}']")).to_have_count(1)
        decided = get_decision(store, world["decision"])
        assert decided.status.value in ("approved", "applied")
        assert decided.decided_by is not None and decided.decided_by.startswith("web-maintenance")
        # the work order it made is on the board
        assert decided.work_order_id is not None
        expect(page.locator(f".board [data-wo='{decided.work_order_id}']")).to_have_count(1)
        assert problems == []
    finally:
        context.close()


def test_operator_assigns_a_reason_and_confirms_a_work_order(
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any
) -> None:
    expect = _expect()
    context = _context(
        browser,
        pages_server,
        world["store"],
        "operator",
        sign_in,
        viewport={"width": 1180, "height": 820},
        has_touch=True,
    )
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        page.goto(pages_server.url + "/operator?machine=cnc-01")
        stop = page.locator(".stop").first
        expect(stop).to_be_visible()
        stop.click()
        page.locator(".reason-btn[data-reason='unplanned']").click()
        page.locator(".reason-btn[data-reason='breakdown']").click()
        page.locator(".reason-btn[data-reason='tool_breakage']").click()
        expect(page.locator("#sf-toast")).to_contain_text("Tool breakage")
        expect(page.locator(".stop").first.locator(".stop-reason")).to_have_text("Tool breakage")
        confirm = page.locator(f"[data-wo='{world['done_wo']}'] button[data-action='confirm']")
        confirm.click()
        expect(page.locator(f"[data-wo='{world['done_wo']}'] .chip-ok")).to_be_visible()
        note = wo_repo.get(world["store"], world["done_wo"]).notes[-1]
        assert note.text.startswith("confirmed at the machine")
        assert problems == []
    finally:
        context.close()


def test_language_switch_is_stored_on_the_user(
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any
) -> None:
    expect = _expect()
    store = world["store"]
    context = _context(browser, pages_server, store, "planner", sign_in)
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        page.goto(pages_server.url + "/oee")
        expect(page.locator(".mainnav a[data-nav='oee']")).to_have_text("OEE & losses")
        page.locator(".lang a[data-lang='ko']").click()
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page).to_have_url(pages_server.url + "/oee")
        expect(page.locator(".mainnav a[data-nav='oee']")).to_have_text("OEE·손실")
        expect(page.locator("#sf-conn .conn-text")).to_have_text("실시간", timeout=10_000)
        # other pages follow without ?lang=
        page.locator(".mainnav a[data-nav='schedule']").click()
        expect(page.locator("h2.page-title")).to_have_text("일정")
        name = page.locator(".user-name").get_attribute("title") or ""
        user = find_user(store, name.split()[-1])
        assert user is not None and user.locale == "ko"
        assert problems == []
    finally:
        context.close()


def test_tv_wall_has_no_menus_and_rotates_lines(
    browser: Any, pages_server: Any, world: dict[str, Any], sign_in: Any, watch_page: Any
) -> None:
    expect = _expect()
    context = _context(
        browser, pages_server, world["store"], "viewer", sign_in,
        viewport={"width": 1920, "height": 1080},
    )  # fmt: skip
    try:
        page = context.new_page()
        problems = watch_page(page, pages_server.url)
        page.goto(pages_server.url + "/?tv=1")
        expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=10_000)
        expect(page.locator("html")).to_have_class("tv")
        expect(page.locator(".mainnav")).to_have_count(0)
        expect(page.locator("#sf-signout")).to_have_count(0)
        expect(page.locator("section.line:visible")).to_have_count(1)
        expect(page.locator("#sf-alerts .alert-spc")).to_have_count(1)
        # tiles keep updating on the wall
        good = page.locator('[data-machine="cnc-01"] [data-field="good"]')
        before = good.inner_text()
        expect(good).not_to_have_text(before, timeout=5_000)
        (SCREENSHOTS / "page-tv-en.png").write_bytes(page.screenshot())
        page.goto(pages_server.url + "/?tv=1&lang=ko")
        expect(page.locator("#sf-conn .conn-text")).to_have_text("실시간", timeout=10_000)
        (SCREENSHOTS / "page-tv-ko.png").write_bytes(page.screenshot())
        assert problems == []
    finally:
        context.close()
