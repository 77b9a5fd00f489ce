"""``smartfactory bench api``: ``GET /api/v1/live`` latency and overview page-ready time under load.

A 50-machine plant (:func:`smartfactory.api.testing.sample_plant`, 5 lines of 10 machines)
with a :class:`~smartfactory.api.testing.ScriptedLive` source and a DuckDB store for the
accounts is served by the real server (:func:`smartfactory.api.server.make_server`) in a
child process on 127.0.0.1 (:func:`serve_child`). This
process is the load: it signs in as an admin, holds ``clients`` live connections
(``/api/v1/live/stream``, httpx streaming, every event read), and meanwhile sends
``GET /api/v1/live`` one after another for ``duration`` seconds, timing each (p50 / p95 /
p99). With the streams still open it then opens the overview in headless Chromium
(Playwright) and times "page ready": from the start of navigation until every machine tile
(``[data-machine]``) is rendered and the page reports itself live
(``#sf-conn[data-status="live"]``): the median of ``pages`` loads in one browser (best and
worst also reported; the first load starts the browser's caches cold).

Targets (dashboard issue): p99 <= 100 ms and page ready <= 1 s with 50 machines and 50
clients. ``benchmarks/bench_api.py`` runs the same benchmark. The measuring code lives here
rather than in a library module: it measures the server from outside, through HTTP and a
browser, and no other code needs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

__all__ = ["ApiBench", "bench_api", "register", "serve_child"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_S = 10.0


def serve(lines: int, per_line: int, workdir: Path, password: str) -> None:
    """Child process: serve the plant until stdin closes; print the port once listening."""
    import threading  # noqa: PLC0415 - only the child needs these

    from smartfactory.api import create_app  # noqa: PLC0415
    from smartfactory.api.auth.users import create_user  # noqa: PLC0415
    from smartfactory.api.server import make_server  # noqa: PLC0415
    from smartfactory.api.testing import ScriptedLive, sample_plant  # noqa: PLC0415
    from smartfactory.settings import Settings  # noqa: PLC0415
    from smartfactory.store import open_store  # noqa: PLC0415

    plant = sample_plant(lines=lines, machines_per_line=per_line)
    store = open_store(workdir / "bench.duckdb")
    create_user(store, "bench", password, "admin", display_name="Bench admin")
    app = create_app(Settings(language="en"), plant, ScriptedLive(plant, speed=60.0), store)
    server = make_server(app, "127.0.0.1", 0, log_level="error", configure_logging=False)
    thread = threading.Thread(target=server.run, name="bench-server")
    thread.start()
    while not server.started:
        time.sleep(0.02)
    print(server.port, flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us
    server.should_exit = True
    thread.join(timeout=15)
    store.close()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


async def hold_stream(client: httpx.AsyncClient, counts: list[int], i: int) -> None:
    """Keep one live connection open, reading every event, until cancelled."""
    async with client.stream("GET", "/api/v1/live/stream") as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                counts[i] += 1


async def load(base: str, cookies: httpx.Cookies, clients: int, duration: float) -> dict[str, Any]:
    """Open ``clients`` streams, then time ``GET /api/v1/live`` for ``duration`` seconds."""
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5)
    timeout = httpx.Timeout(TIMEOUT_S, read=None)
    async with (
        httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=timeout) as sse,
        httpx.AsyncClient(base_url=base, cookies=cookies, timeout=TIMEOUT_S) as api,
    ):
        counts = [0] * clients
        streams = [asyncio.create_task(hold_stream(sse, counts, i)) for i in range(clients)]
        deadline = time.monotonic() + TIMEOUT_S
        while min(counts) == 0 and time.monotonic() < deadline:  # every stream answered
            await asyncio.sleep(0.05)
        connected = sum(1 for c in counts if c > 0)
        latencies: list[float] = []
        errors = clients - connected
        end = time.monotonic() + duration
        while time.monotonic() < end:
            t0 = time.perf_counter()
            try:
                response = await api.get("/api/v1/live")
                ok = response.status_code == 200 and len(response.json()["machines"]) > 0
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - t0) * 1000.0)
            errors += 0 if ok else 1
            await asyncio.sleep(0)  # let the streams read
        result = {"latencies": latencies, "errors": errors, "connected": connected}
        result["events"] = sum(counts)
        # the page is timed while the streams stay open
        result["streams"] = streams
        return result


def page_ready(base: str, password: str, machines: int, loads: int) -> list[float]:
    """Times (ms) from navigation until all tiles are rendered and the page is live."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional dependency

    times: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=base)
            login = context.request.post(
                "/api/v1/auth/login", data={"username": "bench", "password": password}
            )
            if login.status != 200:
                raise RuntimeError(f"browser sign-in failed: {login.status}")
            for _ in range(loads):
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto("/", wait_until="commit")
                page.wait_for_function(
                    """n => document.querySelectorAll('[data-machine]').length >= n
                       && document.querySelector('#sf-conn')?.dataset.status === 'live'""",
                    arg=machines,
                    timeout=TIMEOUT_S * 1000,
                )
                times.append((time.perf_counter() - t0) * 1000.0)
                page.close()
        finally:
            browser.close()
    return times


async def _run(cfg: ApiBench, base: str, password: str) -> dict[str, Any]:
    """Sign in, load the server and time the page; the result (without the JSON wrapping)."""
    machines = cfg.lines * cfg.per_line
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S) as auth:
        response = await auth.post(
            "/api/v1/auth/login", json={"username": "bench", "password": password}
        )
        response.raise_for_status()
        cookies = auth.cookies
    loaded = await load(base, cookies, cfg.clients, cfg.duration)
    pages: list[float] = []
    try:
        if cfg.browser:
            pages = await asyncio.to_thread(page_ready, base, password, machines, cfg.pages)
    finally:
        for task in loaded["streams"]:
            task.cancel()
        await asyncio.gather(*loaded["streams"], return_exceptions=True)
    lat = loaded["latencies"]
    return {
        "machines": machines,
        "clients": cfg.clients,
        "connected": loaded["connected"],
        "requests": len(lat),
        "duration_s": cfg.duration,
        "p50_ms": round(percentile(lat, 0.50), 2),
        "p95_ms": round(percentile(lat, 0.95), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "max_ms": round(max(lat), 2),
        "page_ready_ms": round(statistics.median(pages), 1) if pages else None,
        "page_ready_best_ms": round(min(pages), 1) if pages else None,
        "page_ready_worst_ms": round(max(pages), 1) if pages else None,
        "page_loads": len(pages),
        "stream_events": loaded["events"],
        "errors": loaded["errors"],
    }


@dataclass(frozen=True, slots=True)
class ApiBench:
    """What to load: the plant's size, live connections, seconds of requests, page loads."""

    lines: int = 5
    per_line: int = 10
    clients: int = 50
    duration: float = 20.0
    pages: int = 5
    browser: bool = True


def bench_api(cfg: ApiBench) -> dict[str, Any]:
    """Serve the plant in a child process, load it from this one; the JSON-ready result."""
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="sf-bench-api-") as tmp:
        code = (
            "import sys; from smartfactory.cli import bench_api as b; b.serve_child(sys.argv[1:])"
        )
        cmd = [sys.executable, "-c", code, "--serve", tmp]
        cmd += ["--lines", str(cfg.lines), "--per-line", str(cfg.per_line)]
        env = {**os.environ, "SF_BENCH_PASSWORD": password}
        # our own interpreter running this module: no untrusted input
        child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)  # noqa: S603
        try:
            if child.stdout is None:
                raise RuntimeError("the server process has no stdout")
            port = int(child.stdout.readline())
            result = asyncio.run(_run(cfg, f"http://127.0.0.1:{port}", password))
        finally:
            if child.stdin is not None:
                child.stdin.close()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    result["load"] = f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    return result


def api(
    lines: Annotated[int, typer.Option(min=1, help="Lines of the plant.")] = 5,
    per_line: Annotated[int, typer.Option(min=1, help="Machines per line.")] = 10,
    clients: Annotated[int, typer.Option(min=1, help="Live connections held open.")] = 50,
    duration: Annotated[float, typer.Option(min=1, help="Seconds of GET /api/v1/live.")] = 20.0,
    pages: Annotated[int, typer.Option(min=1, help="Overview page loads timed.")] = 5,
    browser: Annotated[bool, typer.Option(help="Time the page in Chromium.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Overview API latency and page-ready time with 50 machines and 50 live clients."""
    cfg = ApiBench(lines, per_line, clients, duration, pages, browser)
    report = bench_api(cfg)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        typer.echo(f"{key}: {value}")


def register(bench_app: typer.Typer) -> None:
    """Add ``api`` to the ``bench`` command group."""
    bench_app.command("api")(api)


def serve_child(argv: list[str]) -> None:
    """Entry of the server child process: ``--serve DIR --lines N --per-line M``."""
    import argparse  # noqa: PLC0415 - only the child parses arguments

    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--per-line", type=int, default=10)
    a = parser.parse_args(argv)
    serve(a.lines, a.per_line, a.serve, os.environ["SF_BENCH_PASSWORD"])
