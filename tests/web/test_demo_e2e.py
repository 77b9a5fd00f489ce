"""End to end: ``smartfactory demo`` as a user runs it, watched in a real Chromium.

Starts the real command (simulator in real time, embedded store, web server) in a
subprocess, reads the first admin's one-time password from its console, checks the health
endpoint, signs in through the login form, watches tiles update live in the browser in both
languages, saves the screenshots used by the docs, stops it with Ctrl-C (SIGINT) and checks
that the store was flushed with the simulated data and that the password was never stored.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def _read_password(proc: subprocess.Popen[str], seen: list[str], timeout_s: float = 60) -> str:
    """The first admin's password from the demo's console (printed once, before serving)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"password:\s+(\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("demo printed no admin password:\n" + "".join(seen))


def _wait_healthy(url: str, proc: subprocess.Popen[str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"demo exited early:\n{proc.communicate()[0]}")
        try:
            if _get_json(url + "/api/v1/health") == {"status": "ok"}:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("demo did not become healthy")


def _total_good(client: httpx.Client) -> int:
    return sum(int(m["good"]) for m in client.get("/api/v1/live").json()["machines"])


def _sign_in_through_the_form(page: Any, url: str, password: str) -> None:
    from playwright.sync_api import expect

    # not signed in: the overview sends the browser to the sign-in form
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.fill("#sf-username", "admin")
    page.fill("#sf-password", password)
    page.click("#sf-login-submit")
    expect(page).to_have_url(url + "/")


def _check_store(path: Path, password: str) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        states = con.execute("select count(*) from states").fetchone()
        counts = con.execute("select sum(good) from counts").fetchone()
        samples = con.execute("select count(*) from samples").fetchone()
        hashes = con.execute("select password_hash from users where username = 'admin'").fetchall()
    assert states is not None and states[0] > 18
    assert counts is not None and counts[0] is not None and counts[0] > 0
    assert samples is not None and samples[0] > 0
    assert len(hashes) == 1 and hashes[0][0].startswith("$argon2id$")
    assert password not in hashes[0][0]


def test_demo_runs_the_plant_live_and_stops_cleanly(
    tmp_path: Path, browser: Any, watch_page: Any
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SF_WORKSPACE": str(tmp_path / "ws"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smartfactory",
            "demo",
            "--no-browser",
            "--port",
            str(port),
            "--speed",
            "300",
            "--minutes",
            "4",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    api = httpx.Client(base_url=url, timeout=5)
    try:
        password = _read_password(proc, seen)
        _wait_healthy(url, proc)
        assert api.get("/api/v1/live").status_code == 401  # nothing without signing in
        login = {"username": "admin", "password": password}
        assert api.post("/api/v1/auth/login", json=login).status_code == 200
        first = _total_good(api)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        problems = watch_page(page, url)
        page.goto(url + "/")
        from playwright.sync_api import expect

        _sign_in_through_the_form(page, url, password)

        expect(page.locator("[data-machine]")).to_have_count(18)
        expect(page.locator("#sf-conn")).to_have_attribute("data-status", "live", timeout=15_000)
        # Counts grow live while we watch (machines finish setup and produce).
        deadline = time.monotonic() + 90
        while _total_good(api) <= first and time.monotonic() < deadline:
            time.sleep(1)
        assert _total_good(api) > first, "no unit produced while watching"
        cnc = page.locator('[data-machine="cnc-01"]')
        expect(cnc).to_contain_text("CNC lathe 1")
        page.wait_for_timeout(3000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "demo.png").write_bytes(page.screenshot(full_page=True))
        page.goto(url + "/?lang=ko")
        expect(page.locator('[data-machine="cnc-01"]')).to_contain_text("CNC 선반 1")
        page.wait_for_timeout(1500)
        (SCREENSHOTS / "demo-ko.png").write_bytes(page.screenshot(full_page=True))
        page.close()
        assert problems == []
    finally:
        api.close()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    output = "".join(seen) + rest
    assert proc.returncode == 0, output
    assert output.count(password) == 1  # shown once
    assert "store flushed" in output
    assert "Traceback" not in output
    _check_store(tmp_path / "ws" / "demo.duckdb", password)
