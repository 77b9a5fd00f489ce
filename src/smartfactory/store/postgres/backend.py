"""PostgresStore: the Store protocol on a PostgreSQL server (psycopg 3).

Layout: every table of one store lives in one PostgreSQL schema (``smartfactory`` unless
given), created and migrated when the store opens (:mod:`.schema`, Alembic). Samples go into
a table range-partitioned by day; see :mod:`.schema` for keys and indexes. Every sample
write also folds the newly stored rows into the 1-minute and 1-hour roll-ups in the same
transaction (:mod:`.rollup`), which ``aggregate_samples`` reads.

Threading model (one ingest thread writes while web-server threads read):

* **Writes** go through one writer connection guarded by a lock, so they are serialised in
  this process; the lock also protects the cache of known partitions and of the highest
  signal id. Other processes writing the same schema are safe too: partition creation,
  signal registration and migrations take PostgreSQL advisory locks.
* **Reads** use a connection per thread, opened on the thread's first read; every
  statement runs in autocommit mode, so it sees all data committed before it started.
* A connection found broken (the server restarted) is replaced on the next call.
* ``close()`` closes every connection; later calls raise StoreClosedError. Do not close the
  store while other threads still use it (a read in flight then fails with StoreClosedError).

Every statement runs under ``statement_timeout`` and every connection attempt under
``connect_timeout``. Sample batches are encoded to binary COPY with NumPy
(:mod:`.copy`) and copied straight into ``samples`` inside a savepoint, their roll-up rows
grouped in NumPy (:func:`.rollup.batch_partials`); a batch holding a key stored already rolls
back to the savepoint and is copied into a temporary staging table and moved with
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, whose row count is the number of samples
newly stored. Every psycopg exception is translated to StoreError at this boundary.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
import pyarrow as pa
from psycopg import sql

from smartfactory.domain.records import Event
from smartfactory.errors import DataError, StoreClosedError, StoreError
from smartfactory.store.base import (
    AGGREGATE_SCHEMA,
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    SIGNAL_SCHEMA,
    STATE_SCHEMA,
    SignalKey,
)
from smartfactory.store.convert import (
    bucket_us,
    conform,
    event_rows,
    from_us,
    signal_keys,
    to_us,
    unique_rows,
)
from smartfactory.store.postgres import bulk, rollup
from smartfactory.store.postgres import schema as ddl
from smartfactory.store.postgres.copy import encode_samples
from smartfactory.store.records import to_pyformat

__all__ = ["DEFAULT_SCHEMA", "PostgresStore"]

logger = logging.getLogger(__name__)

DEFAULT_SCHEMA = "smartfactory"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_DAY_US = 86_400_000_000
_SIGNAL_LOCK = 0x5346_0003
_STAGE = "_sf_stage"

Con = psycopg.Connection[tuple[Any, ...]]


def _table(rows: Sequence[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    """An Arrow table of ``schema`` from fetched rows."""
    if not rows:
        return schema.empty_table()
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(list(c), f.type) for c, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _ids(signal_ids: Sequence[int]) -> list[int]:
    try:
        return sorted({int(i) for i in signal_ids})
    except (TypeError, ValueError) as err:
        msg = f"signal ids must be integers: {err}"
        raise DataError(msg) from err


def _utc(value: datetime, name: str) -> datetime:
    """``value`` validated as timezone-aware (DataError otherwise), in UTC."""
    return from_us(to_us(value, name))


class PostgresStore:
    """The Store protocol on PostgreSQL: ``PostgresStore("postgresql://host/db")``.

    ``schema`` names the PostgreSQL schema holding this store's tables (lower-case letters,
    digits, ``_``); ``statement_timeout_s`` bounds every statement and ``connect_timeout_s``
    every connection attempt. With ``migrate`` (the default) opening applies pending
    migrations (:func:`.schema.migrate`); without it a schema not at the latest revision is
    refused (StoreError: run ``smartfactory migrate``). See the module docstring for how it
    may be shared between threads and processes.
    """

    def __init__(
        self,
        dsn: str,
        schema: str = DEFAULT_SCHEMA,
        *,
        statement_timeout_s: float = 30.0,
        connect_timeout_s: float = 5.0,
        migrate: bool = True,
    ) -> None:
        if not _IDENT.match(schema):
            msg = f"schema name {schema!r} must match {_IDENT.pattern}"
            raise DataError(msg)
        self.dsn = dsn
        self.schema = schema
        self.statement_timeout_s = statement_timeout_s
        self.connect_timeout_s = connect_timeout_s
        # COPY sample batches straight into ``samples`` first (the staging path on a
        # duplicate key); False always stages (benchmarks compare both)
        self.direct_copy = True
        self._closed = False
        self._write_lock = threading.Lock()
        self._con_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[Con] = []
        self._days: set[date] | None = None
        try:
            if migrate:
                ddl.migrate(self._connect, schema, fast=True)
            self._writer = self._connect()
            if not migrate and ddl.current_revision(self._writer, schema) != ddl.HEAD:
                msg = (
                    f"PostgreSQL schema {schema!r} is not at revision {ddl.HEAD}:"
                    " run `smartfactory migrate`"
                )
                raise StoreError(msg)
            self._prepare_writer()
            self._max_signal_id = self._read_max_signal_id()
        except psycopg.Error as err:
            self._close_all()
            msg = f"cannot open PostgreSQL store {self!r}: {err}"
            raise StoreError(msg) from err
        except StoreError:
            self._close_all()
            raise
        logger.debug("opened PostgreSQL store %r", self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        host = self.dsn.rsplit("@", 1)[-1]  # never show a password
        return f"PostgresStore({host!r}, schema={self.schema!r}, {state})"

    # -- connections -----------------------------------------------------------------------

    def _connect(self) -> Con:
        timeout_ms = max(1, round(self.statement_timeout_s * 1000))
        options = (
            f"-c statement_timeout={timeout_ms} -c search_path={self.schema}"
            " -c TimeZone=UTC -c client_min_messages=warning"
        )
        return psycopg.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=max(1, round(self.connect_timeout_s)),
            options=options,
        )

    def _prepare_writer(self) -> None:
        self._writer.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (signal_id integer, ts timestamptz,"
            " value double precision) ON COMMIT DELETE ROWS"
        )

    def _check_open(self) -> None:
        if self._closed:
            msg = f"PostgreSQL store {self!r} is closed"
            raise StoreClosedError(msg)

    def _reader(self) -> Con:
        con: Con | None = getattr(self._local, "con", None)
        if con is None or con.closed:
            with self._con_lock:
                self._check_open()
                if con is not None:
                    self._readers.remove(con)
                con = self._connect()
                self._readers.append(con)
            self._local.con = con
        return con

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Refuse calls after close() and translate psycopg errors to StoreError."""
        self._check_open()
        try:
            yield
        except psycopg.Error as err:
            if self._closed:
                msg = f"PostgreSQL store {self!r} was closed during the call"
                raise StoreClosedError(msg) from err
            msg = f"PostgreSQL store {self!r}: {err}"
            raise StoreError(msg) from err

    @contextmanager
    def _writing(self) -> Iterator[Con]:
        with self._write_lock, self._guard():
            self._check_open()
            if self._writer.closed:
                self._writer = self._connect()
                self._prepare_writer()
            try:
                yield self._writer
            except BaseException:
                self._days = None  # a rolled-back transaction may have created partitions
                raise

    @contextmanager
    def _reading(self) -> Iterator[Con]:
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
        with self._writing() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [_SIGNAL_LOCK])
            rows = con.execute("SELECT machine, name, signal_id FROM signals").fetchall()
            ids = {(str(m), str(n)): int(i) for m, n, i in rows}
            top = max(ids.values(), default=0)
            missing = [key for pair, key in wanted.items() if pair not in ids]
            if missing:
                con.execute(
                    "INSERT INTO signals SELECT * FROM unnest("
                    "%s::integer[], %s::text[], %s::text[], %s::text[], %s::text[])",
                    [
                        [top + 1 + i for i in range(len(missing))],
                        [k.machine for k in missing],
                        [k.name for k in missing],
                        [k.unit for k in missing],
                        [k.kind for k in missing],
                    ],
                )
                for i, k in enumerate(missing):
                    ids[(k.machine, k.name)] = top + 1 + i
                top += len(missing)
            self._max_signal_id = top
        return {pair: ids[pair] for pair in wanted}

    def signals(self) -> pa.Table:
        """Every registered signal (signal_id, machine, name, unit, kind), ordered by id."""
        with self._reading() as con:
            rows = con.execute(
                "SELECT signal_id, machine, name, unit, kind FROM signals ORDER BY 1"
            ).fetchall()
        return _table(rows, SIGNAL_SCHEMA)

    # -- samples ---------------------------------------------------------------------------

    def write_samples(self, batch: pa.Table) -> int:
        """Append samples (SAMPLE_SCHEMA); return rows newly stored (duplicates skipped).

        Every signal_id must be registered. Repeated keys within the batch keep their first
        row; rows whose key is stored already are skipped (first write wins).
        """
        table = conform(batch, SAMPLE_SCHEMA, "samples", keys=("signal_id", "ts"))
        if table.num_rows == 0:
            self._check_open()
            return 0
        table = unique_rows(table.combine_chunks(), ("signal_id", "ts"), keep="first")
        sid = table.column("signal_id").to_numpy()
        days_us = np.unique(table.column("ts").cast(pa.int64()).to_numpy() // _DAY_US)
        low, high = int(sid.min()), int(sid.max())
        payload = encode_samples(table)
        with self._writing() as con:
            if high > self._max_signal_id:
                self._max_signal_id = self._read_max_signal_id()
            if low < 1 or high > self._max_signal_id:
                bad = low if low < 1 else high
                msg = f"samples refer to signal_id {bad}, which is not registered"
                raise DataError(msg)
            if self._days is None:
                self._days = ddl.stored_partitions(con)
            days = [from_us(int(d) * _DAY_US).date() for d in days_us]
            with con.transaction():
                ddl.ensure_partitions(con, days, self._days)
                if self.direct_copy and self._copy_direct(con, table, payload, sid):
                    return table.num_rows
                with con.cursor() as cur:
                    with cur.copy(f"COPY {_STAGE} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.write(payload)
                    row = cur.execute(rollup.INSERT_SAMPLES).fetchone()
                    return int(row[0]) if row is not None else 0

    def _copy_direct(
        self, con: Con, table: pa.Table, payload: bytes, sid: npt.NDArray[np.int32]
    ) -> bool:
        """COPY a batch straight into ``samples`` and fold it into the roll-ups.

        Inside a savepoint: a key stored already (a re-sent or overlapping batch) rolls the
        COPY back and returns False, and the caller takes the staging path, which skips
        duplicates. Only batches with timestamps from 1970 and signal ids below 2**20 come here.
        """
        ts = table.column("ts").cast(pa.int64()).to_numpy()
        if int(ts.min()) < 0 or int(sid.max()) >= 1 << 20:
            return False
        try:
            with con.transaction(), con.cursor() as cur:
                with cur.copy("COPY samples FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(payload)
                value = table.column("value")
                valid = value.is_valid().to_numpy(zero_copy_only=False)
                values = value.to_numpy(zero_copy_only=False).astype(np.float64)
                for width, name in rollup.TABLES.items():
                    params = rollup.batch_partials(sid, ts, values, valid, width)
                    cur.execute(rollup.upsert_sql(name).encode(), params)
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def query_samples(self, signal_ids: Sequence[int], start: datetime, end: datetime) -> pa.Table:
        """Samples of these signals with start <= ts < end, ordered by signal_id, ts."""
        ids = _ids(signal_ids)
        lo, hi = _utc(start, "start"), _utc(end, "end")
        if not ids or hi <= lo:
            self._check_open()
            return SAMPLE_SCHEMA.empty_table()
        with self._reading() as con:
            rows = con.execute(
                "SELECT signal_id, ts, value FROM samples WHERE signal_id = ANY(%s)"
                " AND ts >= %s AND ts < %s ORDER BY signal_id, ts",
                [ids, lo, hi],
            ).fetchall()
        return _table(rows, SAMPLE_SCHEMA)

    def aggregate_samples(
        self, signal_ids: Sequence[int], start: datetime, end: datetime, bucket: timedelta
    ) -> pa.Table:
        """Per signal and time bucket: signal_id, bucket, n, mean, min, max; ordered.

        Buckets are aligned to the Unix epoch (``date_bin`` with the epoch as origin); ``n``
        counts samples including null values, which mean, min and max ignore. Buckets of a
        whole number of minutes read the roll-ups (:mod:`.rollup`) for the whole minutes and
        hours of the window and raw samples only for its partial minutes.
        """
        width = bucket_us(bucket)
        ids = _ids(signal_ids)
        lo, hi = _utc(start, "start"), _utc(end, "end")
        if not ids or hi <= lo:
            self._check_open()
            return AGGREGATE_SCHEMA.empty_table()
        rolled = rollup.aggregate_sql(ids, to_us(lo, "start"), to_us(hi, "end"), width)
        if rolled is not None:
            statement, params = rolled
            with self._reading() as con:
                rows = con.execute(statement.encode(), params).fetchall()
            return _table(rows, AGGREGATE_SCHEMA)
        with self._reading() as con:
            rows = con.execute(
                "SELECT signal_id, b, count(*), avg(value), min(value), max(value) FROM ("
                "  SELECT signal_id, value, date_bin(%s::bigint * interval '1 microsecond', ts,"
                "   timestamptz 'epoch') AS b FROM samples"
                "  WHERE signal_id = ANY(%s) AND ts >= %s AND ts < %s"
                ") s GROUP BY signal_id, b ORDER BY signal_id, b",
                [width, ids, lo, hi],
            ).fetchall()
        return _table(rows, AGGREGATE_SCHEMA)

    def latest_samples(self, signal_ids: Sequence[int]) -> pa.Table:
        """The newest sample of each signal that has one (SAMPLE_SCHEMA), ordered by id.

        One backward index scan per signal (merged over the partitions).
        """
        ids = _ids(signal_ids)
        with self._reading() as con:
            rows = con.execute(
                "SELECT s.signal_id, s.ts, s.value FROM unnest(%s::integer[]) AS i(id),"
                " LATERAL (SELECT signal_id, ts, value FROM samples WHERE signal_id = i.id"
                "  ORDER BY ts DESC LIMIT 1) s ORDER BY 1",
                [ids],
            ).fetchall()
        return _table(rows, SAMPLE_SCHEMA)

    # -- states, counts, events, orders ----------------------------------------------------

    def write_states(self, batch: pa.Table) -> int:
        """Upsert state intervals (STATE_SCHEMA) on (machine, start); return rows written."""
        table = conform(batch, STATE_SCHEMA, "states", keys=("machine", "start", "state"))
        table = unique_rows(table, ("machine", "start"), keep="last")
        return self._write_rows(
            table,
            "INSERT INTO states SELECT * FROM unnest(%s::text[], %s::timestamptz[],"
            " %s::timestamptz[], %s::smallint[], %s::text[], %s::text[], %s::text[])"
            ' ON CONFLICT (machine, start) DO UPDATE SET "end" = excluded."end",'
            " state = excluded.state, reason = excluded.reason,"
            " order_id = excluded.order_id, product = excluded.product",
        )

    def query_states(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Intervals overlapping [start, end), not clipped, ordered by machine, start."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        names = None if machines is None else [str(m) for m in machines]
        with self._reading() as con:
            rows = con.execute(
                'SELECT machine, start, "end", state, reason, order_id, product FROM states'
                ' WHERE start < %s AND ("end" IS NULL OR "end" > %s)'
                " AND (%s::text[] IS NULL OR machine = ANY(%s::text[]))"
                " ORDER BY machine, start",
                [hi, lo, names, names],
            ).fetchall()
        return _table(rows, STATE_SCHEMA)

    def query_states_coded(
        self, start: datetime, end: datetime, machines: Sequence[str]
    ) -> pa.Table:
        """Fast bulk read of intervals: dictionary-encoded text, rows in no particular order.

        Not part of the Store protocol (the KPI service uses it when present); see
        :func:`.bulk.query_states_coded`.
        """
        lo, hi = _utc(start, "start"), _utc(end, "end")
        with self._reading() as con:
            return bulk.query_states_coded(con, lo, hi, machines)

    def query_counts_coded(
        self, start: datetime, end: datetime, machines: Sequence[str]
    ) -> pa.Table:
        """Fast bulk read of counts: ``machine`` dictionary-encoded, rows in no particular order.

        Not part of the Store protocol; see :func:`.bulk.query_counts_coded`.
        """
        lo, hi = _utc(start, "start"), _utc(end, "end")
        with self._reading() as con:
            return bulk.query_counts_coded(con, lo, hi, machines)

    def write_counts(self, batch: pa.Table) -> int:
        """Append counts (COUNT_SCHEMA); return rows newly stored (duplicates skipped)."""
        table = conform(batch, COUNT_SCHEMA, "counts", keys=("machine", "ts"))
        table = unique_rows(table, ("machine", "ts"), keep="first")
        return self._write_rows(
            table,
            "INSERT INTO counts SELECT * FROM unnest(%s::text[], %s::timestamptz[],"
            " %s::integer[], %s::integer[]) ON CONFLICT DO NOTHING",
        )

    def query_counts(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Counts with start <= ts < end, ordered by machine, ts."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        names = None if machines is None else [str(m) for m in machines]
        with self._reading() as con:
            rows = con.execute(
                "SELECT machine, ts, good, scrap FROM counts WHERE ts >= %s AND ts < %s"
                " AND (%s::text[] IS NULL OR machine = ANY(%s::text[])) ORDER BY machine, ts",
                [lo, hi, names, names],
            ).fetchall()
        return _table(rows, COUNT_SCHEMA)

    def write_events(self, events: Sequence[Event]) -> int:
        """Store events (idempotent on timestamp, kind, source); return rows newly stored."""
        rows = event_rows(events)
        keys = list(rows)
        params = [
            [from_us(k[0]) for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [rows[k][0] for k in keys],
            [rows[k][1] for k in keys],
        ]
        with self._writing() as con:
            if not keys:
                return 0
            cur = con.execute(
                "INSERT INTO events SELECT t, k, s, m, d::jsonb FROM unnest(%s::timestamptz[],"
                " %s::text[], %s::text[], %s::text[], %s::text[]) AS u(t, k, s, m, d)"
                " ON CONFLICT DO NOTHING",
                params,
            )
            return max(cur.rowcount, 0)

    def query_events(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[Event]:
        """Events with start <= timestamp < end, oldest first."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        names = None if kinds is None else [str(k) for k in kinds]
        with self._reading() as con:
            rows = con.execute(
                "SELECT ts, kind, source, message, data::text FROM events"
                " WHERE ts >= %s AND ts < %s AND (%s::text[] IS NULL OR kind = ANY(%s::text[]))"
                " ORDER BY ts, kind, source",
                [lo, hi, names, names],
            ).fetchall()
        return [
            Event(
                timestamp=ts.astimezone(UTC),
                kind=str(kind),
                source=str(source),
                message=str(message),
                data=json.loads(data),
            )
            for ts, kind, source, message, data in rows
        ]

    def write_orders(self, batch: pa.Table) -> int:
        """Upsert production orders (ORDER_SCHEMA) on id; return rows written."""
        table = conform(batch, ORDER_SCHEMA, "orders", keys=("id",))
        table = unique_rows(table, ("id",), keep="last")
        return self._write_rows(
            table,
            "INSERT INTO orders SELECT * FROM unnest(%s::text[], %s::text[], %s::integer[],"
            " %s::timestamptz[], %s::timestamptz[], %s::text[], %s::integer[], %s::integer[],"
            " %s::timestamptz[]) ON CONFLICT (id) DO UPDATE SET product = excluded.product,"
            " quantity = excluded.quantity, release = excluded.release, due = excluded.due,"
            " status = excluded.status, good = excluded.good, scrap = excluded.scrap,"
            " finished = excluded.finished",
        )

    def _write_rows(self, table: pa.Table, statement: str) -> int:
        """Run an ``INSERT ... SELECT * FROM unnest(...)`` with one array per column."""
        params = [table.column(name).to_pylist() for name in table.column_names]
        with self._writing() as con:
            if table.num_rows == 0:
                return 0
            cur = con.execute(statement.encode(), params)
            return max(cur.rowcount, 0)

    def query_orders(self, status: str | None = None) -> pa.Table:
        """Production orders, optionally only those with this status, ordered by release."""
        with self._reading() as con:
            rows = con.execute(
                "SELECT id, product, quantity, release, due, status, good, scrap, finished"
                " FROM orders WHERE (%s::text IS NULL OR status = %s::text)"
                " ORDER BY release NULLS LAST, id",
                [status, status],
            ).fetchall()
        return _table(rows, ORDER_SCHEMA)

    # -- records ---------------------------------------------------------------------------

    def query(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one portable-SQL read of the record tables (see :mod:`..records`)."""
        with self._reading() as con:
            return con.execute(to_pyformat(statement).encode(), list(params)).fetchall()

    def execute(self, statement: str, params: Sequence[object] = ()) -> int:
        """Run one portable-SQL write on the record tables; return the rows it changed."""
        return self.execute_all([(statement, params)])[0]

    def execute_all(self, statements: Sequence[tuple[str, Sequence[object]]]) -> list[int]:
        """Run several portable-SQL writes in one transaction: all or none; rows changed each."""
        changed: list[int] = []
        with self._writing() as con, con.transaction():
            for statement, params in statements:
                cur = con.execute(to_pyformat(statement).encode(), list(params))
                changed.append(max(cur.rowcount, 0))
        return changed

    # -- maintenance -----------------------------------------------------------------------

    def delete_before(self, cutoff: datetime) -> int:
        """Retention: delete time-series rows older than ``cutoff``; return rows deleted.

        Daily partitions of samples that end at or before the cutoff are dropped whole
        (their rows counted first); the partition straddling the cutoff is deleted from.
        Counts and events with ts < cutoff and state intervals that ended before it go too
        (open intervals are kept). Orders and signals are never deleted.
        """
        at = _utc(cutoff, "cutoff")
        deleted = 0
        with self._writing() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [ddl.PARTITION_LOCK])
            for day in sorted(ddl.stored_partitions(con)):
                if datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) > at:
                    continue
                name = sql.Identifier(ddl.partition_name(day))
                row = con.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()
                deleted += int(row[0]) if row is not None else 0
                con.execute(sql.SQL("DROP TABLE {}").format(name))
            for statement in (
                "DELETE FROM samples WHERE ts < %s",
                'DELETE FROM states WHERE "end" < %s',
                "DELETE FROM counts WHERE ts < %s",
                "DELETE FROM events WHERE ts < %s",
            ):
                deleted += max(con.execute(statement.encode(), [at]).rowcount, 0)
            for statement, params in rollup.retain(to_us(at, "cutoff")):
                con.execute(statement.encode(), params)
            self._days = None
        logger.info("retention before %s deleted %d rows", at.isoformat(), deleted)
        return deleted

    def flush(self) -> None:
        """Make every acknowledged write durable: a no-op, as every write commits on return."""
        with self._writing():
            pass

    def drop_schema(self) -> None:
        """Delete this store's schema and every table in it, then close (tests, tear-down)."""
        with self._writing() as con:
            con.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )
        self.close()

    def _close_all(self) -> None:
        writer: Con | None = getattr(self, "_writer", None)
        for con in [*self._readers, *([writer] if writer is not None else [])]:
            con.close()
        self._readers.clear()

    def close(self) -> None:
        """Release every connection; later calls raise StoreClosedError (idempotent)."""
        with self._write_lock:
            if self._closed:
                return
            with self._con_lock:
                self._closed = True
                self._close_all()
        logger.debug("closed PostgreSQL store %r", self)
