"""``smartfactory sim-server`` and ``smartfactory demo --protocol`` as a user runs them.

The address map is printed and exported deterministically; a running sim-server (a real
subprocess on 127.0.0.1, port 0) is read by our connector from the exported config and stops
cleanly on SIGTERM; ``demo --protocol modbus`` serves machine states and counts on
``/api/v1/live`` that came through the protocol (the simulator itself writes nothing to the
store in that mode, so every state interval and count in it was ingested from the server).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.config import example_plant
from smartfactory.connectors.registry import discover
from smartfactory.domain.states import MachineState
from smartfactory.sim.servers import AddressMap, Protocol

PROTOCOLS = [p.value for p in Protocol]


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_print_map_lists_every_point_deterministically(protocol: str) -> None:
    out = _cli("sim-server", "--protocol", protocol, "--print-map")
    assert out == _cli("sim-server", "--protocol", protocol, "--print-map")
    rows = [line.split("\t") for line in out.splitlines() if not line.startswith("#")]
    expected = AddressMap.from_plant(example_plant()).rows(Protocol(protocol))
    assert [tuple(r) for r in rows] == expected
    tags = {r[0] for r in rows}
    assert {"cnc-01/state", "cnc-01/good_count", "cnc-01/scrap_count"} <= tags
    assert "cnc-01/spindle_vibration" in tags
    if protocol == "opcua":
        assert "cnc-01/state\tns=2;s=hanbit.changwon.machining.shaft-line.cnc-01.state" in out
    if protocol == "modbus":
        assert "cnc-02/state\tunit 1 holding 100\tuint16" in out
    if protocol == "mqtt":
        assert "hanbit/changwon/machining/shaft-line/cnc-01/good_count" in out


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_exported_config_is_a_valid_connector_config(protocol: str, tmp_path: Path) -> None:
    path = tmp_path / "connectors.yaml"
    _cli("sim-server", "--protocol", protocol, "--print-map", "--export-config", str(path))
    doc = yaml.safe_load(path.read_text())
    registry = discover()
    for entry in doc["connectors"]:
        assert entry["kind"] == protocol
        registry.create(entry["kind"], entry["config"])  # validates
    if protocol == "mqtt":
        assert len(doc["connectors"]) == len(AddressMap.from_plant(example_plant()).lines())


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SF_WORKSPACE": str(tmp_path / "ws"), "PYTHONUNBUFFERED": "1"}


def test_sim_server_is_read_by_our_connector_and_stops_on_sigterm(tmp_path: Path) -> None:
    cfg_path = tmp_path / "modbus.yaml"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "smartfactory", "sim-server", "--protocol", "modbus"),
            *("--port", "0", "--speed", "600", "--update-s", "0.2"),
            *("--export-config", str(cfg_path)),
        ],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if re.fullmatch(r"port \d+\n", line) or not line:
                break
        assert cfg_path.exists(), "".join(lines)
        entry = yaml.safe_load(cfg_path.read_text())["connectors"][0]
        first, last = asyncio.run(_read_twice(entry["kind"], entry["config"]))
        assert first["cnc-01/state"] in {s.value for s in MachineState}
        goods = [k for k in first if k.endswith("/good_count")]
        assert len(goods) == 18
        assert all(last[k] >= first[k] for k in goods)  # monotonic counters
        assert sum(last[k] for k in goods) > sum(first[k] for k in goods)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "stopped at simulated" in output
    assert "Traceback" not in output


async def _read_twice(kind: str, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    connector = discover().create(kind, config)
    tags = [t["name"] for t in config["tags"]]
    await connector.connect()
    try:
        first = {s.tag: s.value for s in await connector.read(tags)}
        await asyncio.sleep(3)
        last = {s.tag: s.value for s in await connector.read(tags)}
    finally:
        await connector.close()
    return first, last


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _collect(proc: subprocess.Popen[str], output: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        output.append(line)


def _wait_healthy(url: str, proc: subprocess.Popen[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "demo exited early"
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=5) as response:  # noqa: S310
                if json.loads(response.read()) == {"status": "ok"}:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("demo did not become healthy")


class _Api:
    """GET JSON from the demo, signing in first when the server asks for it."""

    def __init__(self, url: str, output: list[str]) -> None:
        self.url = url
        self.output = output
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> Any:
        try:
            with self.opener.open(self.url + path, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            if err.code != 401 or not self._sign_in():
                raise
        with self.opener.open(self.url + path, timeout=5) as response:
            return json.loads(response.read())

    def _sign_in(self) -> bool:
        found = None
        deadline = time.monotonic() + 10
        while found is None and time.monotonic() < deadline:
            found = re.search(r"admin\s+password:\s+(\S+)", " ".join(self.output))
            time.sleep(0.2)
        if found is None:
            return False
        body = json.dumps({"username": "admin", "password": found.group(1)}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.url + "/api/v1/auth/login", body, {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=5):
            return True


def test_demo_through_modbus_serves_states_and_counts_from_the_protocol(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "smartfactory", "demo", "--no-browser", "--port", str(port)),
            *("--speed", "600", "--minutes", "2", "--protocol", "modbus"),
        ],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=_collect, args=(proc, output), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while "Ctrl-C" not in "".join(output) and time.monotonic() < deadline:
            assert proc.poll() is None, "".join(output)
            time.sleep(0.2)
        text = "".join(output)
        assert "through:    modbus://127.0.0.1:" in text, text
        api = _Api(url, output)
        _wait_healthy(url, proc)
        first = sum(m["good"] for m in api.get("/api/v1/live")["machines"])
        live: dict[str, Any] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            live = api.get("/api/v1/live")
            if sum(m["good"] for m in live["machines"]) > first:
                break
            time.sleep(0.5)
        machines = live["machines"]
        assert len(machines) == 18
        assert sum(m["good"] for m in machines) > first, "no unit came through"
        assert {m["state"] for m in machines} - {"unknown"}, "no state came through"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    text = "".join(output)
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    assert "stopped at simulated" in text
    with duckdb.connect(str(tmp_path / "ws" / "demo.duckdb"), read_only=True) as con:
        states = con.execute("select count(*), count(distinct machine) from states").fetchone()
        counts = con.execute("select sum(good) from counts").fetchone()
        signals = con.execute("select count(*) from signals where name = 'state'").fetchone()
    assert states is not None and states[0] >= 18 and states[1] == 18
    assert counts is not None and counts[0] is not None and counts[0] > 0
    assert signals is not None and signals[0] == 18  # state codes stored as samples too
