"""The Store contract: one protocol every storage backend implements.

Data crosses the store boundary as Apache Arrow tables with the fixed schemas below (cheap to
build from NumPy, zero-copy into DuckDB, COPY-able into PostgreSQL). Timestamps are UTC,
microsecond resolution. Writes are idempotent on their natural key, so a retried batch never
doubles data:

==========  ======================  =============================================
table       natural key             written by
==========  ======================  =============================================
samples     (signal_id, ts)         connectors, simulator
states      (machine, start)        state tracking, simulator
counts      (machine, ts)           counters, simulator
events      (ts, kind, source)      everything that raises an event
orders      (id)                    planning, simulator
==========  ======================  =============================================

Records (work orders, decisions, users, models, quarantine...) live in the tables of
:mod:`smartfactory.store.records`, read and written with portable SQL through
:meth:`Store.query`, :meth:`Store.execute` and :meth:`Store.execute_all`.

A later write with the same key as a stored row is ignored for samples and counts (first
write wins: data that was acknowledged does not change) and replaces the row for states
(an open interval is closed by re-writing it with its end) and orders (status changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from smartfactory.domain.records import Event

__all__ = [
    "AGGREGATE_SCHEMA",
    "COUNT_SCHEMA",
    "ORDER_SCHEMA",
    "SAMPLE_SCHEMA",
    "SIGNAL_SCHEMA",
    "STATE_SCHEMA",
    "SignalKey",
    "Store",
]

TS = pa.timestamp("us", tz="UTC")


def _schema(*fields: pa.Field[Any]) -> pa.Schema:
    return pa.schema(fields)


SAMPLE_SCHEMA = _schema(
    pa.field("signal_id", pa.int32()), pa.field("ts", TS), pa.field("value", pa.float64())
)
STATE_SCHEMA = _schema(
    pa.field("machine", pa.string()),
    pa.field("start", TS),
    pa.field("end", TS),
    pa.field("state", pa.int8()),  # MachineState code
    pa.field("reason", pa.string()),
    pa.field("order_id", pa.string()),
    pa.field("product", pa.string()),
)
COUNT_SCHEMA = _schema(
    pa.field("machine", pa.string()),
    pa.field("ts", TS),
    pa.field("good", pa.int32()),
    pa.field("scrap", pa.int32()),
)
SIGNAL_SCHEMA = _schema(
    pa.field("signal_id", pa.int32()),
    pa.field("machine", pa.string()),
    pa.field("name", pa.string()),
    pa.field("unit", pa.string()),
    pa.field("kind", pa.string()),
)
"""Schema of :meth:`Store.signals`."""

AGGREGATE_SCHEMA = _schema(
    pa.field("signal_id", pa.int32()),
    pa.field("bucket", TS),
    pa.field("n", pa.int64()),
    pa.field("mean", pa.float64()),
    pa.field("min", pa.float64()),
    pa.field("max", pa.float64()),
)
"""Schema of :meth:`Store.aggregate_samples`: one row per signal and bucket start."""

ORDER_SCHEMA = _schema(
    pa.field("id", pa.string()),
    pa.field("product", pa.string()),
    pa.field("quantity", pa.int32()),
    pa.field("release", TS),
    pa.field("due", TS),
    pa.field("status", pa.string()),  # planned, released, in_progress, done
    pa.field("good", pa.int32()),
    pa.field("scrap", pa.int32()),
    pa.field("finished", TS),  # null until done
)


@dataclass(frozen=True, slots=True)
class SignalKey:
    """Identifies a signal in the store: its machine and name, with unit and kind."""

    machine: str
    name: str
    unit: str = ""
    kind: str = "analog"


@runtime_checkable
class Store(Protocol):
    """Time-series and relational storage of one plant."""

    def register_signals(self, keys: Sequence[SignalKey]) -> dict[tuple[str, str], int]:
        """Give each (machine, name) a stable integer id, creating missing ones."""
        ...

    def signals(self) -> pa.Table:
        """Every registered signal: signal_id, machine, name, unit, kind."""
        ...

    def write_samples(self, batch: pa.Table) -> int:
        """Append samples (SAMPLE_SCHEMA); return rows newly stored (duplicates skipped)."""
        ...

    def query_samples(self, signal_ids: Sequence[int], start: datetime, end: datetime) -> pa.Table:
        """Samples of these signals with start <= ts < end, ordered by signal_id, ts."""
        ...

    def aggregate_samples(
        self, signal_ids: Sequence[int], start: datetime, end: datetime, bucket: timedelta
    ) -> pa.Table:
        """Per signal and time bucket: signal_id, bucket, n, mean, min, max; ordered."""
        ...

    def latest_samples(self, signal_ids: Sequence[int]) -> pa.Table:
        """The newest sample of each signal that has one (SAMPLE_SCHEMA)."""
        ...

    def write_states(self, batch: pa.Table) -> int:
        """Upsert state intervals (STATE_SCHEMA) on (machine, start); return rows written."""
        ...

    def query_states(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Intervals overlapping [start, end), not clipped, ordered by machine, start."""
        ...

    def write_counts(self, batch: pa.Table) -> int:
        """Append counts (COUNT_SCHEMA); return rows newly stored (duplicates skipped)."""
        ...

    def query_counts(
        self, start: datetime, end: datetime, machines: Sequence[str] | None = None
    ) -> pa.Table:
        """Counts with start <= ts < end, ordered by machine, ts."""
        ...

    def write_events(self, events: Sequence[Event]) -> int:
        """Store events (idempotent on timestamp, kind, source); return rows newly stored."""
        ...

    def query_events(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[Event]:
        """Events with start <= timestamp < end, oldest first."""
        ...

    def write_orders(self, batch: pa.Table) -> int:
        """Upsert production orders (ORDER_SCHEMA) on id; return rows written."""
        ...

    def query_orders(self, status: str | None = None) -> pa.Table:
        """Production orders, optionally only those with this status, ordered by release."""
        ...

    def query(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one portable-SQL read of the record tables (see :mod:`..records`)."""
        ...

    def execute(self, statement: str, params: Sequence[object] = ()) -> int:
        """Run one portable-SQL write on the record tables; return the rows it changed."""
        ...

    def execute_all(self, statements: Sequence[tuple[str, Sequence[object]]]) -> list[int]:
        """Run several portable-SQL writes in one transaction: all or none; rows changed each."""
        ...

    def delete_before(self, cutoff: datetime) -> int:
        """Retention: delete time-series rows older than ``cutoff``; return rows deleted."""
        ...

    def flush(self) -> None:
        """Make every acknowledged write durable."""
        ...

    def close(self) -> None:
        """Flush and release the backend; later calls raise StoreClosedError."""
        ...
