"""The event stream over a real server: events arrive, and nothing hangs on disconnect or stop."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, sample_plant, signed_in
from smartfactory.settings import Settings
from smartfactory.store import open_store


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    event, data = "", []
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            yield event, "\n".join(data)
            event, data = "", []


def test_stream_pushes_snapshots(server: Any, store: Any) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as anonymous:
        assert anonymous.get("/api/v1/live/stream").status_code == 401
    with httpx.Client(base_url=server.url, timeout=5) as client:
        signed_in(client, store, "viewer")
        _receive_three(client)
    # the client left mid-stream; the server still answers
    assert httpx.get(f"{server.url}/api/v1/health", timeout=5).json() == {"status": "ok"}


def _receive_three(client: httpx.Client) -> None:
    with client.stream("GET", "/api/v1/live/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        received = []
        for event, data in _events(response.iter_lines()):
            assert event == "snapshot"
            received.append(json.loads(data))
            if len(received) == 3:
                break
    assert [len(s["machines"]) for s in received] == [18, 18, 18]
    stamps = [s["timestamp"] for s in received]
    assert stamps == sorted(stamps)
    assert stamps[0] < stamps[-1]


def test_shutdown_ends_open_streams(serve: Any) -> None:
    plant = sample_plant()
    store = open_store(":memory:")
    app = create_app(Settings(), plant, ScriptedLive(plant), store)
    stopped_in: list[float] = []
    with (
        serve(app) as server,
        httpx.Client(base_url=server.url, timeout=5) as client,
    ):
        signed_in(client, store, "viewer")
        _stop_while_streaming(client, server, stopped_in)
    store.close()
    assert stopped_in
    assert stopped_in[0] < 3, f"shutdown took {stopped_in[0]:.1f} s with a stream open"


def _stop_while_streaming(client: httpx.Client, server: Any, stopped_in: list[float]) -> None:
    with client.stream("GET", "/api/v1/live/stream") as response:
        lines = response.iter_lines()
        next(_events(lines))

        def stop() -> None:
            start = time.monotonic()
            server.stop()
            stopped_in.append(time.monotonic() - start)

        stopper = threading.Thread(target=stop)
        stopper.start()
        rest = list(lines)  # ends when the server closes the stream
        stopper.join(10)
    assert len(rest) < 20
