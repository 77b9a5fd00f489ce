"""The write-ahead log: samples on disk before they count as taken, until the store has them.

Each appended Arrow table of :data:`~smartfactory.connectors.buffer.BUFFER_SCHEMA` becomes one
framed record in the current segment file ``<dir>/<n:012d>.wal``::

    u32 little-endian payload length | u32 CRC-32 of the payload | payload (Arrow IPC stream)

:meth:`WriteAheadLog.sync` flushes and fsyncs the segment (and, for a new segment, the
folder), so a batch is durable once ``sync`` returned; the poller calls it once per cycle
(group commit: one fsync per batch of samples, so the unsynced interval is at most one cycle).
A segment grows to ``segment_bytes`` and is then sealed; a new one starts, as it does after
an I/O error (so records synced later never follow a torn one). Segments are only
ever removed whole (:meth:`WriteAheadLog.truncate`), by the poller once the store committed
every row it holds. :meth:`WriteAheadLog.recover` reads the segments a previous process left:
a record cut short by a crash or failing its CRC ends that segment's replay (it was never
synced, so nothing acknowledged is in it). Replayed rows may already be in the store; the
store is idempotent on (signal, ts), so writing them again makes no duplicates.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
from pyarrow import ipc

from smartfactory.connectors.buffer import BUFFER_SCHEMA

__all__ = ["WriteAheadLog"]

logger = logging.getLogger(__name__)

_SUFFIX = ".wal"
_HEADER = struct.Struct("<II")


class WriteAheadLog:
    """Framed Arrow records in numbered segment files, fsynced on :meth:`sync`."""

    def __init__(self, directory: Path, segment_bytes: int = 64 * 1024 * 1024) -> None:
        if segment_bytes < 1:
            raise ValueError("segment_bytes must be >= 1")
        self.directory = directory
        self.segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        segments = self.segments()
        self._next = int(segments[-1].stem) + 1 if segments else 0
        self._file: BinaryIO | None = None
        self._size = 0
        self._dirty = False
        self._new_segment = False
        self.appended_rows = 0
        self.synced_rows = 0
        self._unsynced_rows = 0

    def segments(self) -> list[Path]:
        """The segment files on disk, oldest first."""
        return sorted(self.directory.glob(f"*{_SUFFIX}"))

    def recover(self) -> list[pa.Table]:
        """The tables of every segment on disk that this instance has not written, in order."""
        tables: list[pa.Table] = []
        current = self._current_path()
        for path in self.segments():
            if path == current:
                continue
            tables.extend(_read_segment(path))
        return tables

    def append(self, table: pa.Table) -> None:
        """Write ``table`` as one record of the current segment (durable after :meth:`sync`)."""
        if table.num_rows == 0:
            return
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, BUFFER_SCHEMA) as writer:
            writer.write_table(table.cast(BUFFER_SCHEMA))
        payload = sink.getvalue().to_pybytes()
        try:
            if self._file is not None and self._size >= self.segment_bytes:
                self._seal()
            if self._file is None:
                self._file = (self.directory / f"{self._next:012d}{_SUFFIX}").open("ab")
                self._next += 1
                self._size = 0
                self._new_segment = True
            self._file.write(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
        except OSError:
            self._abandon()
            raise
        self._size += _HEADER.size + len(payload)
        self._dirty = True
        self.appended_rows += table.num_rows
        self._unsynced_rows += table.num_rows

    def sync(self) -> None:
        """Make everything appended so far durable (flush + fsync)."""
        if not self._dirty or self._file is None:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            if self._new_segment:
                _fsync_dir(self.directory)
                self._new_segment = False
        except OSError:
            self._abandon()
            raise
        self._dirty = False
        self.synced_rows += self._unsynced_rows
        self._unsynced_rows = 0

    def truncate(self) -> int:
        """Remove every segment (call only once the store committed all their rows)."""
        self._close_file()
        removed = 0
        for path in self.segments():
            path.unlink()
            removed += 1
        return removed

    def close(self) -> None:
        """Sync and close the current segment (it stays on disk until :meth:`truncate`)."""
        if self._file is not None:
            self.sync()
        self._close_file()

    def _current_path(self) -> Path | None:
        if self._file is None:
            return None
        return self.directory / f"{self._next - 1:012d}{_SUFFIX}"

    def _seal(self) -> None:
        self.sync()
        self._close_file()

    def _abandon(self) -> None:
        """After an I/O error: leave the segment (its tail may be torn); the next one is new."""
        with contextlib.suppress(OSError):
            self._close_file()
        self._file = None
        self._unsynced_rows = 0

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()
        self._dirty = False
        self._new_segment = False


def _read_segment(path: Path) -> list[pa.Table]:
    data = path.read_bytes()
    tables: list[pa.Table] = []
    pos = 0
    while pos + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        try:
            tables.append(ipc.open_stream(pa.py_buffer(payload)).read_all().cast(BUFFER_SCHEMA))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            break
        pos = start + length
    if pos < len(data):
        logger.warning(
            "write-ahead log %s: %d torn bytes at the end ignored", path, len(data) - pos
        )
    return tables


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
