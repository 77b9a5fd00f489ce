"""Crash safety of ingest into PostgreSQL: kill -9 of the ingest, and of the database.

Every sample the poller acknowledged (durable in its write-ahead log) before a kill is in
the store after both restart, and none is doubled (the primary key forbids it in
``samples``; the roll-ups must count each sample once, too).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.store.conftest import PG_DSN, pg_schema, require_postgres

HELPER = Path(__file__).with_name("crash_ingest.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    yield name
    _ensure_postgres_running()
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _postgres_up() -> bool:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _ensure_postgres_running() -> None:
    if _postgres_up():
        return
    subprocess.run(["pg_ctlcluster", "15", "main", "start"], check=False, timeout=60)
    deadline = time.monotonic() + 30
    while not _postgres_up() and time.monotonic() < deadline:
        time.sleep(0.2)


def _start(schema: str, wal: Path, acks: Path, first: int, lag_s: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), PG_DSN, schema, str(wal), str(acks), str(first), str(lag_s)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", line + proc.stdout.read()
    return proc


def _acked(path: Path) -> set[tuple[str, int]]:
    if not path.exists():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:  # a line cut by the kill was never complete: not counted
            out.add((parts[0], int(parts[1])))
    return out


def _wait_acks(path: Path, at_least: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_acked(path)) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_acked(path)) >= at_least


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def _check(schema: str, acked: set[tuple[str, int]]) -> None:
    with psycopg.connect(PG_DSN, options=f"-c search_path={schema}") as con:
        rows = con.execute(
            "SELECT 'm/' || g.name, (extract(epoch FROM s.ts) * 1000000)::bigint"
            " FROM samples s JOIN signals g USING (signal_id)"
        ).fetchall()
        stored = [(str(t), int(u)) for t, u in rows]
        assert len(stored) == len(set(stored))  # none doubled
        missing = acked - set(stored)
        assert not missing, f"{len(missing)} acknowledged samples lost, e.g. {sorted(missing)[:3]}"
        for table in ("samples_1m", "samples_1h"):
            total = con.execute(f"SELECT coalesce(sum(n), 0) FROM {table}".encode()).fetchone()
            assert total == (len(stored),), table  # each sample counted once in the roll-ups


@pytest.mark.slow
def test_kill_9_of_the_ingest_loses_and_doubles_nothing(schema: str, tmp_path: Path) -> None:
    wal, acks = tmp_path / "ingest", tmp_path / "acks.txt"
    first = _start(schema, wal, acks, 0, lag_s=0.15)
    _wait_acks(acks, 400)
    first.kill()  # SIGKILL mid-stream
    first.communicate(timeout=30)
    before = _acked(acks)
    assert list((wal / "wal").glob("*.wal")), "the kill left logged rows behind"
    second = _start(schema, wal, acks, 1_000_000, lag_s=0.0)
    _wait_acks(acks, len(before) + 200)
    _stop(second)
    assert not list((wal / "wal").glob("*.wal"))
    _check(schema, _acked(acks))


@pytest.mark.slow
def test_immediate_database_stop_loses_and_doubles_nothing(schema: str, tmp_path: Path) -> None:
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        pytest.skip("needs pg_ctlcluster as root to stop the local PostgreSQL")
    wal, acks = tmp_path / "ingest", tmp_path / "acks.txt"
    first = _start(schema, wal, acks, 0, lag_s=0.02)
    try:
        _wait_acks(acks, 300)
        subprocess.run(
            ["pg_ctlcluster", "15", "main", "stop", "-m", "immediate"], check=True, timeout=30
        )
        try:
            # the poller keeps reading and logging while the store is gone
            _wait_acks(acks, len(_acked(acks)) + 100, timeout=20)
        finally:
            first.kill()  # and the ingest dies too, with logged rows not in the store
            first.communicate(timeout=30)
            _ensure_postgres_running()
    finally:
        if first.poll() is None:
            first.kill()
        _ensure_postgres_running()
    assert _postgres_up()
    before = _acked(acks)
    second = _start(schema, wal, acks, 1_000_000, lag_s=0.0)
    _wait_acks(acks, len(before) + 100)
    _stop(second)
    _check(schema, _acked(acks))
