"""DuckDBStore: the embedded default implementation of the Store protocol.

Threading model (one simulator thread writes while web-server threads read):

* The database is opened once (``self._root``); that connection only hands out cursors
  (``con.cursor()``: further connections to the same database) and is never queried.
* **Writes** go through one writer cursor guarded by a lock, so they are serialised. The
  lock also protects the in-memory watermarks of :mod:`.timeseries`, which must change
  together with the rows they describe.
* **Reads** use a cursor per thread (created on the thread's first read), so a long
  aggregate never waits for a write and vice versa; DuckDB's MVCC gives each read a
  consistent snapshot of committed data.
* ``close()`` takes the write lock, checkpoints and closes every cursor. Calls made after it
  raise StoreClosedError; do not close the store while other threads are still using it (a
  read in flight then fails with StoreClosedError too).

Every DuckDB exception is translated to StoreError at this boundary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from smartfactory.domain.records import Event
from smartfactory.errors import StoreClosedError, StoreError
from smartfactory.store.base import SIGNAL_SCHEMA, SignalKey
from smartfactory.store.convert import result, signal_keys, to_us
from smartfactory.store.duckdb import relational, rollup, timeseries
from smartfactory.store.duckdb.schema import migrate

__all__ = ["DuckDBStore"]

logger = logging.getLogger(__name__)

_NEW_SIGNALS = "_sf_new_signals"


def _changed_rows(result: duckdb.DuckDBPyConnection) -> int:
    """Rows changed by a write, from DuckDB's one-row ``Count`` result (0 for DDL)."""
    description = result.description
    if not description or description[0][0] != "Count":
        return 0
    row = result.fetchone()
    return int(row[0]) if row is not None else 0


class DuckDBStore:
    """The Store protocol on an embedded DuckDB database file (or ``":memory:"``).

    The file's schema is created or migrated when the store opens; see the module docstring
    for how it may be shared between threads.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._closed = False
        self._write_lock = threading.Lock()
        self._cursor_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[duckdb.DuckDBPyConnection] = []
        self._samples = timeseries.SampleWatermarks()
        self._counts = timeseries.CountWatermarks()
        try:
            self._root = duckdb.connect(self.path)
        except duckdb.Error as err:
            msg = f"cannot open DuckDB store {self.path}: {err}"
            raise StoreError(msg) from err
        try:
            self._writer = self._new_cursor()
            migrate(self._writer)
            self._max_signal_id = self._read_max_signal_id()
            self._samples.load(self._writer, self._max_signal_id)
            self._counts.load(self._writer)
        except duckdb.Error as err:
            self._root.close()
            msg = f"cannot prepare DuckDB store {self.path}: {err}"
            raise StoreError(msg) from err
        except StoreError:
            self._root.close()
            raise
        logger.debug("opened DuckDB store %s", self.path)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"DuckDBStore({self.path!r}, {state})"

    # -- connections -----------------------------------------------------------------------

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._root.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        return cursor

    def _reader(self) -> duckdb.DuckDBPyConnection:
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._cursor_lock:
                self._check_open()
                cursor = self._new_cursor()
                self._readers.append(cursor)
            self._local.cursor = cursor
        return cursor

    def _check_open(self) -> None:
        if self._closed:
            msg = f"DuckDB store {self.path} is closed"
            raise StoreClosedError(msg)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Refuse calls after close() and translate DuckDB errors to StoreError."""
        self._check_open()
        try:
            yield
        except duckdb.Error as err:
            if self._closed:
                msg = f"DuckDB store {self.path} was closed during the call"
                raise StoreClosedError(msg) from err
            msg = f"DuckDB store {self.path}: {err}"
            raise StoreError(msg) from err

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._write_lock, self._guard():
            self._check_open()
            yield self._writer

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._guard():
            yield self._reader()

    def _read_max_signal_id(self) -> int:
        row = self._writer.execute("SELECT coalesce(max(signal_id), 0) FROM signals").fetchone()
        return int(row[0]) if row is not None else 0

    # -- signals ---------------------------------------------------------------------------

    def register_signals(self, keys: Sequence[SignalKey]) -> dict[tuple[str, str], int]:
        """Give each (machine, name) a stable integer id, creating missing ones.

        Ids are assigned 1, 2, 3… in order of first registration and never change; a signal
        registered again keeps its original unit and kind.
        """
        wanted = signal_keys(keys)
        with self._writing() as con:
            rows = con.execute("SELECT machine, name, signal_id FROM signals").fetchall()
            ids = {(str(m), str(n)): int(i) for m, n, i in rows}
            missing = [key for pair, key in wanted.items() if pair not in ids]
            if missing:
                first = self._max_signal_id + 1
                # One Arrow table and one INSERT ... SELECT: executemany inserted row by row
                # (seconds per thousand new signals, holding the write lock).
                new = pa.table(
                    {
                        "signal_id": pa.array(range(first, first + len(missing)), pa.int32()),
                        "machine": pa.array([k.machine for k in missing], pa.string()),
                        "name": pa.array([k.name for k in missing], pa.string()),
                        "unit": pa.array([k.unit for k in missing], pa.string()),
                        "kind": pa.array([k.kind for k in missing], pa.string()),
                    }
                )
                con.register(_NEW_SIGNALS, new)
                try:
                    con.execute(
                        "INSERT INTO signals (signal_id, machine, name, unit, kind) "
                        f"SELECT signal_id, machine, name, unit, kind FROM {_NEW_SIGNALS} "
                        "ORDER BY signal_id"
                    )
                finally:
                    con.unregister(_NEW_SIGNALS)
                for i, k in enumerate(missing):
                    ids[(k.machine, k.name)] = first + i
                self._max_signal_id = first + len(missing) - 1
                self._samples.resize(self._max_signal_id)
        return {pair: ids[pair] for pair in wanted}

    def signals(self) -> pa.Table:
        """Every registered signal (signal_id, machine, name, unit, kind), ordered by id."""
        with self._reading() as con:
            rel = con.sql("SELECT signal_id, machine, name, unit, kind FROM signals ORDER BY 1")
            return result(rel.to_arrow_table(), SIGNAL_SCHEMA)

    # -- samples ---------------------------------------------------------------------------

    def write_samples(self, batch: pa.Table) -> int:
        """Append samples (SAMPLE_SCHEMA); return rows newly stored (duplicates skipped).

        Every signal_id must be registered; see :mod:`.timeseries` for how duplicates are
        found without a key index.
        """
        with self._writing() as con:
            return timeseries.write_samples(con, batch, self._samples, self._max_signal_id)

    def query_samples(self, signal_ids: Sequence[int], start: datetime, end: datetime) -> pa.Table:
        """Samples of these signals with start <= ts < end, ordered by signal_id, ts."""
        with self._reading() as con:
            return timeseries.query_samples(con, signal_ids, start, end)

    def aggregate_samples(
        self, signal_ids: Sequence[int], start: datetime, end: datetime, bucket: timedelta
    ) -> pa.Table:
        """Per signal and time bucket: signal_id, bucket, n, mean, min, max; ordered.

        Buckets are aligned to the Unix epoch (a 1-minute bucket starts on a whole minute);
        the result has :data:`~smartfactory.store.base.AGGREGATE_SCHEMA`.
        """
        with self._reading() as con:
            return timeseries.aggregate_samples(con, signal_ids, start, end, bucket)

    def latest_samples(self, signal_ids: Sequence[int]) -> pa.Table:
        """The newest sample of each signal that has one (SAMPLE_SCHEMA), ordered by id."""
        with self._reading() as con:
            return timeseries.latest_samples(con, signal_ids, self._samples)

    # -- states, counts, events, orders ----------------------------------------------------

    def write_states(self, batch: pa.Table) -> int:
        """Upsert state intervals (STATE_SCHEMA) on (machine, start); return rows written."""
        with self._writing() as con:
            return relational.write_states(con, batch)

    def query_states(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Intervals overlapping [start, end), not clipped, ordered by machine, start."""
        with self._reading() as con:
            return relational.query_states(con, start, end, machines)

    def write_counts(self, batch: pa.Table) -> int:
        """Append counts (COUNT_SCHEMA); return rows newly stored (duplicates skipped)."""
        with self._writing() as con:
            return timeseries.write_counts(con, batch, self._counts)

    def query_counts(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Counts with start <= ts < end, ordered by machine, ts."""
        with self._reading() as con:
            return timeseries.query_counts(con, start, end, machines)

    def query_states_coded(
        self, start: datetime, end: datetime, machines: Sequence[str]
    ) -> pa.Table:
        """Fast bulk read of intervals: dictionary-encoded text, rows in no particular order.

        Not part of the Store protocol; see :func:`.relational.query_states_coded`.
        """
        with self._reading() as con:
            return relational.query_states_coded(con, start, end, machines)

    def query_counts_coded(
        self, start: datetime, end: datetime, machines: Sequence[str]
    ) -> pa.Table:
        """Fast bulk read of counts: ``machine`` dictionary-encoded, rows in no particular order.

        Not part of the Store protocol; see :func:`.timeseries.query_counts_coded`.
        """
        with self._reading() as con:
            return timeseries.query_counts_coded(con, start, end, machines)

    def write_events(self, events: Sequence[Event]) -> int:
        """Store events (idempotent on timestamp, kind, source); return rows newly stored."""
        with self._writing() as con:
            return relational.write_events(con, events)

    def query_events(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[Event]:
        """Events with start <= timestamp < end, oldest first."""
        with self._reading() as con:
            return relational.query_events(con, start, end, kinds)

    def write_orders(self, batch: pa.Table) -> int:
        """Upsert production orders (ORDER_SCHEMA) on id; return rows written."""
        with self._writing() as con:
            return relational.write_orders(con, batch)

    def query_orders(self, status: str | None = None) -> pa.Table:
        """Production orders, optionally only those with this status, ordered by release."""
        with self._reading() as con:
            return relational.query_orders(con, status)

    # -- maintenance -----------------------------------------------------------------------

    # -- records ---------------------------------------------------------------------------

    def query(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one portable-SQL read of the record tables (see :mod:`..records`)."""
        with self._reading() as con:
            return con.execute(statement, list(params)).fetchall()

    def execute(self, statement: str, params: Sequence[object] = ()) -> int:
        """Run one portable-SQL write on the record tables; return the rows it changed."""
        return self.execute_all([(statement, params)])[0]

    def execute_all(self, statements: Sequence[tuple[str, Sequence[object]]]) -> list[int]:
        """Run several portable-SQL writes in one transaction: all or none; rows changed each."""
        changed: list[int] = []
        with self._writing() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for statement, params in statements:
                    result = con.execute(statement, list(params))
                    changed.append(_changed_rows(result))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return changed

    def delete_before(self, cutoff: datetime) -> int:
        """Retention: delete time-series rows older than ``cutoff``; return rows deleted.

        Deletes samples, counts and events with ts < cutoff and state intervals that ended
        before it (open intervals are kept). Orders and signals are never deleted. The
        1-minute roll-up follows the samples (not counted in the result).
        """
        us = to_us(cutoff, "cutoff")
        statements = (
            "DELETE FROM samples WHERE ts < make_timestamptz(?)",
            'DELETE FROM states WHERE "end" < make_timestamptz(?)',
            "DELETE FROM counts WHERE ts < make_timestamptz(?)",
            "DELETE FROM events WHERE ts < make_timestamptz(?)",
        )
        with self._writing() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                deleted = 0
                for statement in statements:
                    row = con.execute(statement, [us]).fetchone()
                    deleted += int(row[0]) if row is not None else 0
                rollup.retain(con, us)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        logger.info("retention before %s deleted %d rows", cutoff.isoformat(), deleted)
        return deleted

    def flush(self) -> None:
        """Make every acknowledged write durable (DuckDB ``CHECKPOINT``)."""
        with self._writing() as con:
            con.execute("CHECKPOINT")

    def close(self) -> None:
        """Flush and release the database; later calls raise StoreClosedError (idempotent)."""
        with self._write_lock:
            if self._closed:
                return
            try:
                self._writer.execute("CHECKPOINT")
            except duckdb.Error as err:
                logger.warning("checkpoint on close of %s failed: %s", self.path, err)
            with self._cursor_lock:
                self._closed = True
                for cursor in [*self._readers, self._writer]:
                    cursor.close()
                self._readers.clear()
                self._root.close()
        logger.debug("closed DuckDB store %s", self.path)
