"""``smartfactory serve`` (several workers) and ``smartfactory ingest`` as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from smartfactory.config import example_plant_text
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

CLI = [sys.executable, "-c", "from smartfactory.cli.main import main; main()"]


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SF_")}


def _stop(proc: subprocess.Popen[str], timeout: float = 20.0) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out


def test_serve_with_two_workers_answers_and_stops_on_sigterm(schema: str) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--database", PG_DSN, "--schema", schema, "--workers", "2",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert status == 200
        with psycopg.connect(PG_DSN) as con:  # reference rows for the views were written
            row = con.execute(f"SELECT count(*) FROM {schema}.ideal_cycles").fetchone()
        assert row is not None and row[0] > 0
    finally:
        code, out = _stop(proc)
    assert code == 0, out


def test_ingest_polls_the_plant_file_connectors_and_flushes_on_sigterm(
    schema: str, tmp_path: Path
) -> None:
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
    }
    config = tmp_path / "plant.yaml"
    config.write_text(yaml.safe_dump(plant, sort_keys=False), encoding="utf-8")
    logs = tmp_path / "ingest"
    proc = subprocess.Popen(
        [*CLI, "ingest", "--database", PG_DSN, "--schema", schema, "--config", str(config),
         "--ingest-dir", str(logs)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None and stored < 20:
            time.sleep(0.3)
            with psycopg.connect(PG_DSN) as con:
                exists = con.execute("SELECT to_regclass(%s)", [f"{schema}.samples"]).fetchone()
                if exists is not None and exists[0] is not None:
                    row = con.execute(f"SELECT count(*) FROM {schema}.samples").fetchone()
                    stored = int(row[0]) if row is not None else 0
        assert stored >= 20
    finally:
        code, out = _stop(proc)
    assert code == 0, out
    assert not list(logs.rglob("*.wal")), "the write-ahead log is removed after a clean stop"
    with psycopg.connect(PG_DSN) as con:
        states = con.execute(f"SELECT count(*) FROM {schema}.states").fetchone()
        n1m = con.execute(f"SELECT sum(n) FROM {schema}.samples_1m").fetchone()
        raw = con.execute(f"SELECT count(*) FROM {schema}.samples").fetchone()
    assert states is not None and states[0] >= 1  # the live ingest wrote the machine's state
    assert n1m == raw
