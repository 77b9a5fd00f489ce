from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.connectors import Poller, PollerConfig
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.connectors.memory import MemoryConfig, MemoryConnector
from smartfactory.connectors.wal import WriteAheadLog
from smartfactory.store import DuckDBStore, SignalKey

CHILD = Path(__file__).with_name("wal_child.py")


def _rows(n: int, start: int = 0) -> pa.Table:
    ts = [datetime.fromtimestamp(1_700_000_000 + i, UTC) for i in range(start, start + n)]
    return pa.table(
        [pa.array(["a"] * n), pa.array(ts, BUFFER_SCHEMA.field("ts").type),
         pa.array([float(i) for i in range(start, start + n)])],
        schema=BUFFER_SCHEMA,
    )  # fmt: skip


def test_log_recovers_synced_records_and_ignores_a_torn_tail(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=1)  # every record seals the segment
    for i in range(3):
        wal.append(_rows(4, start=4 * i))
    wal.sync()
    wal.close()
    assert len(wal.segments()) == 3
    last = wal.segments()[-1]
    with last.open("ab") as f:
        f.write(b"\x10\x00\x00\x00\x00")  # a record header cut short by a crash
    again = WriteAheadLog(tmp_path)
    tables = again.recover()
    assert pa.concat_tables(tables).column("value").to_pylist() == [float(i) for i in range(12)]
    again.append(_rows(1, start=99))
    again.sync()
    assert len(again.recover()) == 3  # its own open segment is not replayed
    assert again.truncate() == 4
    assert not again.segments()


def test_corrupt_record_ends_the_segment(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path)
    wal.append(_rows(2))
    wal.append(_rows(2, start=2))
    wal.close()
    path = wal.segments()[0]
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the second record's payload no longer matches its CRC
    path.write_bytes(bytes(data))
    tables = WriteAheadLog(tmp_path).recover()
    assert [t.num_rows for t in tables] == [2]


def _read_logged(proc: subprocess.Popen[bytes], want: int, timeout_s: float) -> list[bytes]:
    assert proc.stdout is not None
    lines: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    while len(lines) < want:
        assert time.monotonic() < deadline, f"child logged only {len(lines)} rows"
        line = proc.stdout.readline()
        assert line, f"child ended early: {proc.wait()}"
        lines.append(line)
    return lines


@pytest.mark.timeout(120)
def test_kill_9_mid_stream_loses_and_doubles_nothing(tmp_path: Path) -> None:
    store_path, work = tmp_path / "plant.duckdb", tmp_path / "work"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(store_path), str(work)],
        stdout=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        lines = _read_logged(proc, 400, timeout_s=60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    lines += rest.splitlines(keepends=True)
    logged = {(tag, int(ts)) for tag, ts in (ln.split() for ln in lines if ln.endswith(b"\n"))}
    assert len(logged) >= 400
    keys = {"a": SignalKey("m1", "a"), "b": SignalKey("m1", "b")}

    def stored(store: DuckDBStore) -> Counter[tuple[bytes, int]]:
        signals = store.signals()
        tag_of = {
            sid: name.encode()
            for sid, name in zip(
                signals.column("signal_id").to_pylist(), signals.column("name").to_pylist(),
                strict=True,
            )
        }  # fmt: skip
        rows = store.query_samples(
            list(tag_of), datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
        ts = rows.column("ts").cast(pa.int64()).to_pylist()
        ids = rows.column("signal_id").to_pylist()
        return Counter((tag_of[i], t) for i, t in zip(ids, ts, strict=True))

    store = DuckDBStore(store_path)
    try:
        before = stored(store)
        assert logged - set(before), "the kill found every row stored: replay not exercised"
        assert set(before) <= logged
        conn = MemoryConnector(MemoryConfig(tags={"a": 0.0, "b": 0.0}))
        restarted = Poller(
            conn, keys, store, spill_dir=work / "spill", rng=np.random.default_rng(2),
            config=PollerConfig(interval_s=0.01),
        )  # fmt: skip
        asyncio.run(restarted.run(cycles=2))
        after = stored(store)
    finally:
        store.close()
    assert restarted.stats.replayed_rows >= len(logged - set(before))
    missing = logged - set(after)
    assert not missing, f"{len(missing)} logged rows lost"
    assert max(after.values()) == 1  # nothing doubled
    assert not list((work / "spill" / "wal").glob("*.wal"))


def test_an_io_error_starts_a_new_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wal = WriteAheadLog(tmp_path)
    wal.append(_rows(2))
    wal.sync()

    def failing(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing)
    wal.append(_rows(2, start=2))
    with pytest.raises(OSError, match="No space"):
        wal.sync()
    monkeypatch.undo()
    wal.append(_rows(2, start=4))
    wal.sync()
    wal.close()
    assert len(wal.segments()) == 2
    values = pa.concat_tables(WriteAheadLog(tmp_path).recover()).column("value").to_pylist()
    assert {0.0, 1.0, 4.0, 5.0} <= set(values)  # the unsynced record may or may not survive
