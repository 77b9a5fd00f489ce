"""``smartfactory ingest`` with an ``ingest.publish`` block publishes back on the UNS."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import yaml

from smartfactory.cli.ingest_cmd import load_ingest
from smartfactory.config import example_plant_text
from smartfactory.domain.states import MachineState
from smartfactory.errors import PlantFileError
from tests.connectors.mqtt_helpers import BROKER, require_broker

CLI = [sys.executable, "-c", "from smartfactory.cli.main import main; main()"]


def _plant_file(tmp_path: Path, publish: dict[str, Any]) -> Path:
    plant = yaml.safe_load(example_plant_text())
    plant["ingest"] = {
        "poller": {"interval_s": 0.05},
        "connectors": [
            {
                "kind": "memory",
                "tags": ["cnc-01/temp", "cnc-01/state", "cnc-01/good_count"],
                "config": {
                    "tags": {"cnc-01/temp": 21.5, "cnc-01/state": 1, "cnc-01/good_count": 5}
                },
            }
        ],
        "publish": publish,
    }
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(plant, sort_keys=False), encoding="utf-8")
    return path


async def _clear_retained(root: str) -> None:
    """Remove the retained messages the run left under ``root`` on the shared broker."""
    topics: set[str] = set()
    async with aiomqtt.Client(*BROKER) as client:
        await client.subscribe(f"{root}/#", qos=1)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                async for m in client.messages:
                    if m.retain and m.payload:
                        topics.add(str(m.topic))
        for topic in topics:
            await client.publish(topic, b"", qos=1, retain=True)


def test_load_ingest_reads_the_publish_block(tmp_path: Path) -> None:
    root = "acme/plant1/area/line1"
    _, section = load_ingest(_plant_file(tmp_path, {"topic_root": root, "interval_s": 2, "qos": 0}))
    assert section.publish is not None
    assert (section.publish.topic_root, section.publish.interval_s) == (root, 2.0)
    assert section.publish.mqtt().path == root and section.publish.mqtt().qos == 0
    with pytest.raises(PlantFileError, match="topic_root"):
        load_ingest(_plant_file(tmp_path, {"topic_root": "too/short"}))
    with pytest.raises(PlantFileError, match="extra"):
        load_ingest(_plant_file(tmp_path, {"topic_root": root, "bogus": 1}))


def test_ingest_publishes_states_and_stops_on_sigterm(tmp_path: Path) -> None:
    require_broker()
    root = f"sfcli{uuid.uuid4().hex[:10]}/site/area/line"
    config = _plant_file(
        tmp_path, {"host": BROKER[0], "port": BROKER[1], "topic_root": root, "interval_s": 0.2}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}

    async def first_state() -> dict[str, Any]:
        async with asyncio.timeout(60), aiomqtt.Client(*BROKER) as client:
            await client.subscribe(f"{root}/cnc-01/state", qos=1)
            proc = subprocess.Popen(
                [*CLI, "ingest", "--database", str(tmp_path / "db.duckdb"), "--config",
                 str(config), "--ingest-dir", str(tmp_path / "ingest"), "--no-predict"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            )  # fmt: skip
            try:
                async for m in client.messages:
                    payload = json.loads(m.payload if isinstance(m.payload, bytes) else b"{}")
                    if payload.get("value") == "producing":
                        return dict(payload)
                return {}
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    out, _ = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    out, _ = proc.communicate()
                assert proc.returncode == 0, out
                await _clear_retained(root)

    state = asyncio.run(first_state())
    assert state["value"] == "producing"
    assert {"timestamp_ms", "since_ms", "order", "product", "reason"} <= set(state)


def test_demo_publish_uns_publishes_machine_states(tmp_path: Path) -> None:
    require_broker()
    root = f"sfcli{uuid.uuid4().hex[:10]}/site/area/line"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        web_port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}

    async def states() -> dict[str, str]:
        got: dict[str, str] = {}
        async with asyncio.timeout(90), aiomqtt.Client(*BROKER) as client:
            await client.subscribe(f"{root}/+/state", qos=1)
            proc = await asyncio.create_subprocess_exec(
                *CLI, "demo", "--minutes", "0.1", "--no-browser", "--publish-uns",
                "--publish-root", root, "--workspace", str(tmp_path / "ws"),
                "--port", str(web_port), env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            try:
                async for m in client.messages:
                    payload = json.loads(m.payload if isinstance(m.payload, bytes) else b"{}")
                    got[str(m.topic).split("/")[-2]] = str(payload["value"])
                    if len(got) >= 3:
                        break
            finally:
                out, _ = await proc.communicate()
                assert proc.returncode == 0, out.decode(errors="replace")
                await _clear_retained(root)
        return got

    got = asyncio.run(states())
    assert len(got) >= 3
    assert all(v in {s.name.lower() for s in MachineState} for v in got.values())
