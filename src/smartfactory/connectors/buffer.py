"""A bounded in-memory sample buffer that spills its overflow to disk, in order.

Samples wait here, as Arrow tables of :data:`BUFFER_SCHEMA` (tag, ts, value), until the
store has taken them. Memory holds at most ``max_rows``; beyond that the oldest tables are
written to ``spill_dir`` as numbered Arrow IPC files (written to a temporary name, then
renamed, then fsynced with their folder, so a crash never leaves half a file and a spilled row
is durable) and counted; :meth:`SpillBuffer.spill_all` puts all of memory on disk (the poller's
checkpoint that lets it empty its write-ahead log). :meth:`SpillBuffer.drain` hands
spilled files first, then memory, oldest first, to a write function and forgets a batch only
after the write returned; a failing write leaves everything in place to be re-sent (the store
is idempotent on (signal, ts), so a re-sent batch makes no duplicates). Files left by an
earlier process in ``spill_dir`` are picked up and delivered first.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyarrow import ipc

__all__ = ["BUFFER_SCHEMA", "BufferStats", "SpillBuffer"]

_FIELDS: list[pa.Field[Any]] = [
    pa.field("tag", pa.string()),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
    pa.field("value", pa.float64()),
]
BUFFER_SCHEMA = pa.schema(_FIELDS)

_SUFFIX = ".arrow"


@dataclass(slots=True)
class BufferStats:
    """Counters of a buffer since it was created."""

    appended_rows: int = 0
    delivered_rows: int = 0
    overflow_rows: int = 0  # rows that did not fit in memory and went to disk
    spilled_files: int = 0
    failed_writes: int = 0


class SpillBuffer:
    """Rows waiting for the store: bounded memory, overflow spilled to ``spill_dir``."""

    def __init__(self, spill_dir: Path, max_rows: int = 100_000, batch_rows: int = 50_000) -> None:
        if max_rows < 1 or batch_rows < 1:
            raise ValueError("max_rows and batch_rows must be >= 1")
        self.spill_dir = spill_dir
        self.max_rows = max_rows
        self.batch_rows = batch_rows
        self.stats = BufferStats()
        self._mem: deque[pa.Table] = deque()
        self._mem_rows = 0
        spill_dir.mkdir(parents=True, exist_ok=True)
        for tmp in spill_dir.glob("*.tmp"):
            tmp.unlink()  # an interrupted spill: its rows are still in the previous process' memory
        files = sorted(spill_dir.glob(f"*{_SUFFIX}"))
        self._next = int(files[-1].stem) + 1 if files else 0

    @property
    def memory_rows(self) -> int:
        """Rows held in memory."""
        return self._mem_rows

    def spilled_rows(self) -> int:
        """Rows waiting on disk (reads the file footers)."""
        total = 0
        for path in self._files():
            with pa.memory_map(str(path)) as source:
                total += ipc.open_file(source).read_all().num_rows
        return total

    def pending(self) -> bool:
        """Whether any row waits, in memory or on disk."""
        return self._mem_rows > 0 or bool(self._files())

    def append(self, table: pa.Table) -> None:
        """Queue rows of BUFFER_SCHEMA; spill the oldest to disk beyond ``max_rows``."""
        if table.num_rows == 0:
            return
        self._mem.append(table.cast(BUFFER_SCHEMA))
        self._mem_rows += table.num_rows
        self.stats.appended_rows += table.num_rows
        if self._mem_rows > self.max_rows:
            self._spill()

    def drain(self, write: Callable[[pa.Table], Any]) -> int:
        """Deliver every waiting row through ``write``, oldest first; return rows delivered.

        An exception from ``write`` is counted and re-raised; what was not yet delivered stays.
        """
        delivered = 0
        try:
            for path in self._files():
                with pa.memory_map(str(path)) as source:
                    table = ipc.open_file(source).read_all()
                write(table)
                path.unlink()
                delivered += table.num_rows
            while self._mem:
                batch = self._take_batch()
                write(batch)
                self._drop(batch.num_rows)
                delivered += batch.num_rows
        except Exception:
            self.stats.failed_writes += 1
            raise
        finally:
            self.stats.delivered_rows += delivered
        return delivered

    def _files(self) -> list[Path]:
        return sorted(self.spill_dir.glob(f"*{_SUFFIX}"))

    def _take_batch(self) -> pa.Table:
        parts: list[pa.Table] = []
        rows = 0
        for table in self._mem:
            if parts and rows + table.num_rows > self.batch_rows:
                break
            parts.append(table)
            rows += table.num_rows
        return pa.concat_tables(parts)

    def _drop(self, rows: int) -> None:
        while rows > 0:
            head = self._mem.popleft()
            self._mem_rows -= head.num_rows
            rows -= head.num_rows

    def spill_all(self) -> None:
        """Write every row held in memory to a spill file (durable when this returns)."""
        if self._mem:
            self._spill(keep=0)

    def _spill(self, keep: int | None = None) -> None:
        limit = self.max_rows // 2 if keep is None else keep
        parts: list[pa.Table] = []
        while self._mem_rows > limit and self._mem:
            head = self._mem.popleft()
            self._mem_rows -= head.num_rows
            parts.append(head)
        table = pa.concat_tables(parts)
        path = self.spill_dir / f"{self._next:012d}{_SUFFIX}"
        tmp = path.with_suffix(".tmp")
        try:
            with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, BUFFER_SCHEMA) as w:
                w.write_table(table)
            _fsync_path(tmp)
            tmp.replace(path)
            _fsync_dir(self.spill_dir)
        except OSError:
            for t in reversed(parts):  # keep the rows in memory, in order
                self._mem.appendleft(t)
                self._mem_rows += t.num_rows
            raise
        self._next += 1
        self.stats.overflow_rows += table.num_rows
        self.stats.spilled_files += 1


def _fsync_dir(directory: Path) -> None:
    _fsync_path(directory)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
