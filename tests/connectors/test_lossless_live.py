"""Nothing lost, nothing doubled when the writer process or the broker is killed mid-stream.

A publisher sends QoS 1 messages with known values (two signals per message, distinct
timestamps) to the UNS; an MQTT poller takes them into a store. Two failures:

- the writer process (``mqtt_child.py``, a poller into a DuckDB file) is killed with SIGKILL
  mid-stream and started again with the same client id, store and work folder;
- a private Mosquitto broker (persistence on, autosave on every change) is killed with SIGKILL
  mid-stream and started again on the same port, while the publisher keeps publishing; it
  re-sends every message the broker did not acknowledge and, after a drop, its last 300
  acknowledged ones (Mosquitto acknowledges before it saves, so its crash forgets the newest
  accepted messages: the edge replays, at least once, and the idempotent store absorbs it).

At the end the stored ``(signal, ts)`` set is exactly the published one, and no row is there
twice. The write-ahead log trimming while the store is down is tested here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector
from smartfactory.errors import StoreError
from smartfactory.store import DuckDBStore, SignalKey

from .mqtt_helpers import require_broker, unique_path

CHILD = Path(__file__).with_name("mqtt_child.py")
PUBLISHER = Path(__file__).with_name("mqtt_publisher.py")
MOSQUITTO = "/usr/sbin/mosquitto"
BASE_MS = int(datetime.now(UTC).timestamp() * 1000) - 60_000


def _expected(n: int) -> set[tuple[str, int]]:
    return {(f"m1/{s}", (BASE_MS + i) * 1000) for i in range(n) for s in ("a", "b")}


def _stored(store: DuckDBStore) -> list[tuple[str, int]]:
    signals = store.signals()
    name = {
        sid: f"{m}/{n}"
        for sid, m, n in zip(
            signals.column("signal_id").to_pylist(), signals.column("machine").to_pylist(),
            signals.column("name").to_pylist(), strict=True,
        )
    }  # fmt: skip
    rows = store.query_samples(
        list(name), datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    ts = rows.column("ts").cast(pa.int64()).to_pylist()
    return [(name[i], t) for i, t in zip(rows.column("signal_id").to_pylist(), ts, strict=True)]


def _publisher(port: int, path: str, n: int) -> subprocess.Popen[bytes]:
    """The publisher, in its own process (at least once; see mqtt_publisher.py)."""
    return subprocess.Popen(
        [sys.executable, str(PUBLISHER), str(port), path, str(n), str(BASE_MS)],
        stdout=subprocess.DEVNULL,
    )


async def _finished(proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while proc.poll() is None:
            await asyncio.sleep(0.05)
    assert proc.returncode == 0


def _lines(proc: subprocess.Popen[str]) -> asyncio.Queue[str]:
    """The child's stdout lines as they come; an empty string at its end."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    partial = [""]

    def pump() -> None:
        data = os.read(fd, 65536).decode()
        if not data:
            loop.remove_reader(fd)
            queue.put_nowait("")
            return
        *lines, partial[0] = (partial[0] + data).split("\n")
        for line in lines:
            queue.put_nowait(line)

    loop.add_reader(fd, pump)
    return queue


async def _wait_for(queue: asyncio.Queue[str], done: object, timeout_s: float) -> str:
    async with asyncio.timeout(timeout_s):
        while True:
            line = await queue.get()
            assert line, "child ended early"
            if done(line):  # type: ignore[operator]
                return line


def _start_child(store: Path, work: Path, path: str, client_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(store), str(work), path, client_id, "1883"],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )  # fmt: skip


def _kill(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.mark.timeout(120)
def test_writer_killed_mid_stream_loses_and_doubles_nothing(tmp_path: Path) -> None:
    require_broker()
    path, client_id = unique_path(), f"sf-kill-{uuid.uuid4().hex}"
    store_path, work = tmp_path / "plant.duckdb", tmp_path / "work"
    total = 900

    publisher: subprocess.Popen[bytes] | None = None

    async def scenario() -> None:
        nonlocal publisher
        first = _start_child(store_path, work, path, client_id)
        try:
            queue = _lines(first)
            await _wait_for(queue, lambda ln: ln == "online", 30)
            publisher = _publisher(1883, path, total)
            await _wait_for(queue, lambda ln: ln.startswith("stored") and
                            int(ln.split()[1]) >= 300, 30)  # fmt: skip
            assert publisher.poll() is None, "the publisher finished before the kill"
            asyncio.get_running_loop().remove_reader(first.stdout.fileno())  # type: ignore[union-attr]
        finally:
            _kill(first)  # mid-stream: the publisher is still sending
        second = _start_child(store_path, work, path, client_id)
        try:
            queue = _lines(second)
            await _finished(publisher, 60)
            await _wait_for(queue, lambda ln: ln == f"stored {2 * total}", 60)
            asyncio.get_running_loop().remove_reader(second.stdout.fileno())  # type: ignore[union-attr]
        finally:
            _kill(second)

    try:
        asyncio.run(scenario())
    finally:
        if publisher is not None:
            publisher.kill()
            publisher.wait(timeout=10)
    store = DuckDBStore(store_path)
    try:
        rows = _stored(store)
    finally:
        store.close()
    assert len(rows) == len(set(rows))  # nothing doubled
    assert set(rows) == _expected(total)  # nothing lost


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _broker(port: int, folder: Path) -> subprocess.Popen[bytes]:
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"persistence_location {folder}/\nautosave_interval 1\nautosave_on_changes true\n"
        "max_queued_messages 100000\nmax_inflight_messages 100\n"
    )
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("private mosquitto did not start")


@pytest.mark.timeout(120)
def test_broker_killed_mid_stream_loses_and_doubles_nothing(tmp_path: Path) -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    port, total = _free_port(), 900
    path = unique_path()
    store = DuckDBStore(tmp_path / "plant.duckdb")
    broker = _broker(port, tmp_path)

    def derive(tag: str) -> SignalKey | None:
        machine, _, name = tag.partition("/")
        return SignalKey(machine, name)

    publisher: subprocess.Popen[bytes] | None = None

    async def scenario() -> Poller:
        nonlocal broker, publisher
        config = MqttConfig(path=path, port=port, client_id=f"sf-{uuid.uuid4().hex}", timeout_s=2)
        poller = Poller(
            MqttConnector(config), {}, store, spill_dir=tmp_path / "spill", derive_key=derive,
            rng=np.random.default_rng(3),
            config=PollerConfig(interval_s=0.02, timeout_s=2,
                                backoff=Backoff(initial_s=0.05, max_s=0.3)),
        )  # fmt: skip
        task = asyncio.create_task(poller.run())
        try:
            async with asyncio.timeout(10):
                while poller.state is not ConnectionState.ONLINE:
                    await asyncio.sleep(0.02)
            publisher = _publisher(port, path, total)
            async with asyncio.timeout(30):
                while poller.stats.good_samples < 600:
                    await asyncio.sleep(0.01)
            broker.send_signal(signal.SIGKILL)  # mid-stream
            broker.wait(timeout=10)
            await asyncio.sleep(0.5)
            broker = _broker(port, tmp_path)
            await _finished(publisher, 60)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(60):
                    while len(_stored(store)) < 2 * total:
                        await asyncio.sleep(0.1)
        finally:
            poller.stop()
            await asyncio.wait_for(task, 10)
        return poller

    try:
        poller = asyncio.run(scenario())
        rows = _stored(store)
    finally:
        for proc in (publisher, broker):
            if proc is not None:
                proc.kill()
                proc.wait(timeout=10)
        store.close()
    assert ConnectionState.OFFLINE in {t.new for t in poller.transitions}  # the kill was seen
    assert len(rows) == len(set(rows))
    missing = sorted(_expected(total) - set(rows))
    assert not missing, (
        f"{len(missing)} lost, e.g. {missing[:4]}; {poller.stats}, {poller.transitions}"
    )
    assert set(rows) == _expected(total)


class _DownStore:
    def __init__(self, inner: DuckDBStore) -> None:
        self.inner = inner
        self.down = True

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write_samples(self, batch: pa.Table) -> int:
        if self.down:
            raise StoreError("store is down")
        return self.inner.write_samples(batch)


def test_log_is_trimmed_while_the_store_is_down(tmp_path: Path) -> None:
    """Once the buffer spilled everything to disk, the log is emptied: it stays bounded."""
    store = DuckDBStore(tmp_path / "plant.duckdb")
    down = _DownStore(store)
    conn = MemoryConnector(MemoryConfig(tags={"a": 0.0}))
    poller = Poller(
        conn, {"a": SignalKey("m1", "a")}, down, spill_dir=tmp_path / "spill",  # type: ignore[arg-type]
        rng=np.random.default_rng(0),
        config=PollerConfig(interval_s=0.001, max_buffer_rows=20, batch_rows=20),
    )  # fmt: skip
    assert poller.wal is not None

    async def run(cycles: int) -> None:
        for i in range(cycles):
            conn.set("a", float(i))
            await poller.run(cycles=1)

    try:
        asyncio.run(run(200))
        assert poller.stats.checkpoints >= 5
        wal_bytes = sum(p.stat().st_size for p in poller.wal.segments())
        assert wal_bytes < 21 * 1024  # at most ~max_buffer_rows rows in the log, not 200
        assert poller.buffer.spilled_rows() + poller.buffer.memory_rows == 200
        down.down = False
        asyncio.run(poller.run(cycles=1))
        assert len(_stored(store)) == 201  # the 200 kept in order, plus this cycle's one
        assert not poller.wal.segments() and not poller.buffer.pending()
    finally:
        store.close()
