"""Helpers for tests that run the app on a real server and drive a real browser.

* :class:`ServerThread` / :func:`serve_app`: the app on uvicorn, 127.0.0.1, port 0, in a
  background thread, stopped (and joined) on exit.
* :func:`require_chromium` / :func:`launch_chromium`: Debian's Chromium through Playwright
  (``SF_CHROMIUM`` overrides the path). Missing Chromium skips, except under ``CI=true``.
* :func:`sign_in_browser`: create a user and sign a Playwright browser context in (through
  ``POST /api/v1/auth/login``; the context keeps the cookie).
* fixtures ``plant``, ``live``, ``store`` (accounts), ``app``, ``server`` (module scope),
  ``browser`` (module scope), ``watched_page``: a 1600x1000 page, signed in as a viewer, that
  records console errors, page errors and failed or non-local requests into ``page.problems``;
  ``serve``, ``watch_page`` and ``sign_in`` hand out :func:`serve_app`, :func:`watch` and
  :func:`sign_in_browser` to tests (test modules cannot import a conftest).
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from smartfactory.api import create_app
from smartfactory.api.auth.users import create_user
from smartfactory.api.server import Server, make_server
from smartfactory.api.testing import ScriptedLive, sample_plant
from smartfactory.domain.assets import Plant
from smartfactory.settings import Settings
from smartfactory.store import open_store
from smartfactory.store.base import Store

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_THREAD_NAME = "sf-test-server"


class ServerThread:
    """Run ``app`` with uvicorn on 127.0.0.1 and a free port in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.server: Server = make_server(app, "127.0.0.1", 0, configure_logging=False)
        self.thread = threading.Thread(target=self.server.run, name=_THREAD_NAME, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.server.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        """Start and wait until the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Ask the server to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            raise RuntimeError("test server did not stop")


@contextmanager
def serve_app(app: FastAPI) -> Iterator[ServerThread]:
    """The app served in a background thread for the duration of the block."""
    server = ServerThread(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def chromium_path() -> str | None:
    """Path of the Chromium binary to drive, or None when it is not installed."""
    path = os.environ.get("SF_CHROMIUM", "/usr/bin/chromium")
    return shutil.which(path)


def require_chromium() -> str:
    """The Chromium path; skip the test without it (fail when ``CI=true``)."""
    path = chromium_path()
    if path is None:
        message = "Chromium not found (set SF_CHROMIUM or install /usr/bin/chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``) for the duration of the block."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page: Any, base_url: str) -> list[str]:
    """Record console errors, page errors, failed requests and off-server requests."""
    problems: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type in ("error", "warning"):
            problems.append(f"console {msg.type}: {msg.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.url}")

    def on_request(request: Any) -> None:
        if not request.url.startswith((base_url, "data:", "about:")):
            problems.append(f"request outside the server: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("response", on_response)
    page.on("request", on_request)
    return problems


def sign_in_browser(context: Any, base_url: str, store: Store, role: str = "viewer") -> str:
    """Create a user of ``role`` in ``store`` and sign the browser ``context`` in; its name."""
    name = f"web-{role}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    create_user(store, name, password, role, display_name=f"Kim {role.title()}")
    response = context.request.post(
        base_url + "/api/v1/auth/login", data={"username": name, "password": password}
    )
    assert response.status == 200, response.text()
    return name


@pytest.fixture(autouse=True)
def _no_server_left_behind() -> Iterator[None]:
    """Fail a test that leaves a server thread running (module-scoped servers are older)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t.name == _THREAD_NAME and t not in before]
    assert not left, f"test left {len(left)} server thread(s) running"


@pytest.fixture(scope="module")
def plant() -> Plant:
    return sample_plant(lines=3, machines_per_line=6)


@pytest.fixture(scope="module")
def live(plant: Plant) -> ScriptedLive:
    return ScriptedLive(plant, speed=1.0, rate=1.0)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    """An in-memory store holding the accounts."""
    opened = open_store(":memory:")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(plant: Plant, live: ScriptedLive, store: Store) -> FastAPI:
    return create_app(Settings(language="en"), plant, live, store)


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[ServerThread]:
    with serve_app(app) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def watched_page(browser: Any, server: ServerThread, store: Store) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    sign_in_browser(context, server.url, store)
    page = context.new_page()
    page.problems = watch(page, server.url)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def serve() -> Callable[[FastAPI], AbstractContextManager[ServerThread]]:
    """:func:`serve_app` as a fixture: ``with serve(app) as server: ...``."""
    return serve_app


@pytest.fixture
def watch_page() -> Callable[[Any, str], list[str]]:
    """:func:`watch` as a fixture: ``problems = watch_page(page, server.url)``."""
    return watch


@pytest.fixture
def sign_in() -> Callable[..., str]:
    """:func:`sign_in_browser` as a fixture: ``sign_in(context, server.url, store, "admin")``."""
    return sign_in_browser
