"""Moving a whole plant between stores: export to a folder of Parquet files and import it.

:func:`export_store` writes every table of a store — signals, samples, states, counts,
events, orders and the record tables of :mod:`.records` — to ``<dir>/<table>.parquet``,
streaming the large tables in time chunks (samples and counts one UTC day at a time, states
30 days at a time) so memory stays bounded, and ``<dir>/manifest.json`` with each table's row
count and checksum. :func:`import_store` writes such a folder into another store in batches
(``batch_rows``) through the Store protocol and then *verifies* it: it scans the destination
the same way and compares row counts and checksums with the manifest (DataError on any
difference). Works between any two backends (DuckDB <-> PostgreSQL).

The checksum of a table is order-independent: the wrapping 64-bit sum over rows of a mix of
the row's column values (integers and timestamps by value, floats by their bits with one
canonical NaN, strings and bytes by BLAKE2b of their UTF-8 / raw bytes, nulls as a constant),
computed with NumPy. Samples are hashed with the *source's* signal ids: when the destination
already had signals and numbers them differently, its ids are mapped back before hashing.
Import into an empty store; a destination holding other rows fails verification.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from smartfactory.domain.records import Event
from smartfactory.errors import DataError
from smartfactory.store.base import (
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    SIGNAL_SCHEMA,
    STATE_SCHEMA,
    SignalKey,
    Store,
)
from smartfactory.store.convert import schema_of
from smartfactory.store.records import RECORD_TABLES

__all__ = [
    "EVENT_SCHEMA",
    "FORMAT",
    "TABLES",
    "ExportSummary",
    "checksum",
    "export_store",
    "import_store",
    "is_export",
    "record_schemas",
]

FORMAT = "smartfactory-export"
MANIFEST = "manifest.json"
TS = pa.timestamp("us", tz="UTC")
EVENT_SCHEMA = schema_of(
    ("ts", TS),
    ("kind", pa.string()),
    ("source", pa.string()),
    ("message", pa.string()),
    ("data", pa.string()),
)
_DAY = timedelta(days=1)
_STATE_CHUNK = timedelta(days=30)
_FAR = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
_SQL_TYPES = {
    "VARCHAR": pa.string(),
    "TEXT": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "FLOAT8": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMPTZ": TS,
    "BYTEA": pa.binary(),
}
_COLUMN = re.compile(
    r"^\s*(\w+)\s+(VARCHAR|TEXT|INTEGER|BIGINT|FLOAT8|BOOLEAN|TIMESTAMPTZ|BYTEA)\b"
)
_TABLE = re.compile(r"CREATE TABLE (\w+)")

Progress = Callable[[str, int, int], None]
"""Called with (table, rows done, rows in the table) as the work advances."""


def record_schemas() -> dict[str, pa.Schema]:
    """Arrow schema of every record table, read from its portable DDL."""
    out: dict[str, pa.Schema] = {}
    for ddl in RECORD_TABLES:
        name = _TABLE.match(ddl.strip())
        if name is None:
            continue
        fields = [
            pa.field(m.group(1), _SQL_TYPES[m.group(2)])
            for line in ddl.splitlines()[1:]
            if (m := _COLUMN.match(line)) is not None
        ]
        out[name.group(1)] = pa.schema(fields)
    return out


TABLES: tuple[str, ...] = (
    "signals",
    "samples",
    "states",
    "counts",
    "events",
    "orders",
    *record_schemas(),
)
"""Every table of an export, in import order."""


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """Rows and checksum of every table moved."""

    directory: Path
    rows: dict[str, int]
    checksums: dict[str, str]


# -- checksums -------------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_NULL = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, element-wise."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def _column_words(column: pa.ChunkedArray[Any] | pa.Array[Any]) -> npt.NDArray[np.uint64]:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    t = array.type
    n = len(array)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t):
        encoded = array.dictionary_encode()
        uniques = [
            int.from_bytes(
                hashlib.blake2b(
                    v if isinstance(v, bytes) else str(v).encode(), digest_size=8
                ).digest(),
                "little",
            )
            for v in encoded.dictionary.to_pylist()
        ]
        table = np.array(uniques, dtype=np.uint64)
        idx = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        words = table[idx] if len(table) else np.zeros(n, dtype=np.uint64)
    elif pa.types.is_floating(t):
        values = array.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        values = np.where(np.isnan(values), np.nan, values + 0.0)  # one NaN, no -0.0
        words = values.astype(np.float64).view(np.uint64)
    elif pa.types.is_boolean(t):
        words = array.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint64)
    else:  # integers and timestamps by value
        words = array.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).view(np.uint64)
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        words = np.where(valid, words, _NULL)
    return np.asarray(words, dtype=np.uint64)


def checksum(table: pa.Table) -> int:
    """Order-independent 64-bit checksum of ``table``'s rows (see the module docstring)."""
    h = np.zeros(table.num_rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in table.columns:
            h = _mix(h * _M1 + _column_words(column) + _NULL)
        return int(h.sum(dtype=np.uint64))


# -- scanning a store ------------------------------------------------------------------------


def _bounds(store: Store, sql: str) -> tuple[datetime, datetime] | None:
    rows = store.query(sql)
    lo, hi = rows[0] if rows else (None, None)
    if lo is None or hi is None:
        return None
    return lo.astimezone(UTC), hi.astimezone(UTC)


def _days(lo: datetime, hi: datetime, step: timedelta) -> Iterator[tuple[datetime, datetime]]:
    t = datetime(lo.year, lo.month, lo.day, tzinfo=UTC)
    while t <= hi:
        yield t, t + step
        t += step


def _count(store: Store, table: str) -> int:
    return int(store.query(f"SELECT count(*) FROM {table}")[0][0])


def _events_table(events: list[Event]) -> pa.Table:
    return pa.table(
        [
            pa.array([e.timestamp for e in events], TS),
            pa.array([e.kind for e in events], pa.string()),
            pa.array([e.source for e in events], pa.string()),
            pa.array([e.message for e in events], pa.string()),
            pa.array([json.dumps(e.data, sort_keys=True) for e in events], pa.string()),
        ],
        schema=EVENT_SCHEMA,
    )


def _scan_samples(store: Store, batch_rows: int) -> Iterator[pa.Table]:
    ids = [int(i) for i in store.signals().column("signal_id").to_pylist() if i is not None]
    span = _bounds(store, "SELECT min(ts), max(ts) FROM samples")
    if span is None or not ids:
        return
    for lo, hi in _days(*span, _DAY):
        yield from (_as_batch(b) for b in store.query_samples(ids, lo, hi).to_batches(batch_rows))


def _scan_states(store: Store) -> Iterator[pa.Table]:
    span = _bounds(store, "SELECT min(start), max(start) FROM states")
    if span is None:
        return
    for lo, hi in _days(*span, _STATE_CHUNK):
        rows = store.query_states(lo, hi)
        starts = rows.column("start").cast(pa.int64()).to_numpy()
        lo_us = int((lo - _FAR[0]) / timedelta(microseconds=1))
        yield rows.filter(pa.array(starts >= lo_us))  # earlier starts: previous chunk


def _scan_counts(store: Store, batch_rows: int) -> Iterator[pa.Table]:
    span = _bounds(store, "SELECT min(ts), max(ts) FROM counts")
    if span is None:
        return
    for lo, hi in _days(*span, _DAY):
        yield from (_as_batch(b) for b in store.query_counts(lo, hi).to_batches(batch_rows))


def _scan_records(store: Store, table: str) -> Iterator[pa.Table]:
    schema = record_schemas()[table]
    rows = store.query(f"SELECT {', '.join(schema.names)} FROM {table} ORDER BY id")
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    yield pa.table(
        [pa.array(list(c), f.type) for c, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def scan(store: Store, table: str, batch_rows: int = 100_000) -> Iterator[pa.Table]:
    """The rows of ``table`` in ``store`` as Arrow tables of at most about one chunk each."""
    readers: dict[str, Callable[[], Iterator[pa.Table]]] = {
        "samples": lambda: _scan_samples(store, batch_rows),
        "states": lambda: _scan_states(store),
        "counts": lambda: _scan_counts(store, batch_rows),
        "signals": lambda: iter([store.signals()]),
        "events": lambda: iter([_events_table(store.query_events(*_FAR))]),
        "orders": lambda: iter([store.query_orders()]),
    }
    reader = readers.get(table)
    return reader() if reader is not None else _scan_records(store, table)


def _as_batch(chunk: pa.Table | pa.RecordBatch) -> pa.Table:
    return chunk if isinstance(chunk, pa.Table) else pa.Table.from_batches([chunk])


_SCHEMAS: dict[str, pa.Schema] = {
    "signals": SIGNAL_SCHEMA,
    "samples": SAMPLE_SCHEMA,
    "states": STATE_SCHEMA,
    "counts": COUNT_SCHEMA,
    "events": EVENT_SCHEMA,
    "orders": ORDER_SCHEMA,
}


def _schema(table: str) -> pa.Schema:
    return _SCHEMAS.get(table) or record_schemas()[table]


def _totals(store: Store) -> dict[str, int]:
    return {t: _count(store, t) for t in TABLES}


# -- export and import -----------------------------------------------------------------------


def export_store(
    store: Store,
    directory: Path,
    *,
    batch_rows: int = 100_000,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write every table of ``store`` to ``directory`` (created; must hold no export yet)."""
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / MANIFEST).exists():
        msg = f"{directory} already holds an export"
        raise DataError(msg)
    totals = _totals(store)
    rows: dict[str, int] = {}
    sums: dict[str, str] = {}
    for table in TABLES:
        schema = _schema(table)
        done, total = 0, 0
        with pq.ParquetWriter(directory / f"{table}.parquet", schema) as writer:
            for chunk in scan(store, table, batch_rows):
                part = _as_batch(chunk).cast(schema)
                if part.num_rows == 0:
                    continue
                writer.write_table(part)
                total = (total + checksum(part)) % 2**64
                done += part.num_rows
                if progress is not None:
                    progress(table, done, totals[table])
        rows[table], sums[table] = done, f"{total:016x}"
    manifest = {
        "format": FORMAT,
        "version": 1,
        "created": datetime.now(UTC).isoformat(),
        "tables": {t: {"rows": rows[t], "checksum": sums[t]} for t in TABLES},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return ExportSummary(directory, rows, sums)


def is_export(directory: Path) -> bool:
    """Whether ``directory`` holds an export written by :func:`export_store`."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def _read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    if not is_export(directory):
        msg = f"{directory} holds no smartfactory export ({MANIFEST} missing or not ours)"
        raise DataError(msg)
    data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    tables: dict[str, dict[str, Any]] = data["tables"]
    unknown = set(tables) - set(TABLES)
    if unknown:
        msg = f"the export has tables this smartfactory does not know: {sorted(unknown)}"
        raise DataError(msg)
    return tables


def _remap(column: pa.ChunkedArray[Any], ids: dict[int, int]) -> pa.Array[Any]:
    """Signal ids mapped through ``ids`` (ids it does not hold become their negative)."""
    sid = column.to_numpy().astype(np.int64)
    top = max(max(ids, default=0), int(sid.max(initial=0))) + 1
    lookup = -np.arange(top, dtype=np.int64)
    for old, new in ids.items():
        lookup[old] = new
    return pa.array(lookup[sid].astype(np.int32), pa.int32())


def _write(store: Store, table: str, part: pa.Table, ids: dict[int, int]) -> None:
    if table == "samples":
        store.write_samples(part.set_column(0, "signal_id", _remap(part.column("signal_id"), ids)))
    elif table == "states":
        store.write_states(part)
    elif table == "counts":
        store.write_counts(part)
    elif table == "events":
        store.write_events(
            [
                Event(r["ts"], r["kind"], r["source"], r["message"], json.loads(r["data"]))
                for r in part.to_pylist()
            ]
        )
    elif table == "orders":
        store.write_orders(part)
    else:
        names = part.column_names
        statement = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            " ON CONFLICT DO NOTHING"
        )
        store.execute_all([(statement, list(r.values())) for r in part.to_pylist()])


def import_store(
    directory: Path,
    store: Store,
    *,
    batch_rows: int = 100_000,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the export in ``directory`` into ``store`` and verify it (DataError if not equal)."""
    manifest = _read_manifest(directory)
    signals = pq.read_table(directory / "signals.parquet").cast(SIGNAL_SCHEMA)
    keys = [SignalKey(r["machine"], r["name"], r["unit"], r["kind"]) for r in signals.to_pylist()]
    assigned = store.register_signals(keys)
    ids = {int(r["signal_id"]): assigned[(r["machine"], r["name"])] for r in signals.to_pylist()}
    for table in TABLES[1:]:
        if table not in manifest:
            continue
        total = int(manifest[table]["rows"])
        done = 0
        schema = _schema(table)
        step = batch_rows if table in ("samples", "counts") else min(batch_rows, 5_000)
        for batch in pq.ParquetFile(directory / f"{table}.parquet").iter_batches(step):
            part = pa.Table.from_batches([batch]).cast(schema)
            _write(store, table, part, ids)
            done += part.num_rows
            if progress is not None:
                progress(table, done, total)
    store.flush()
    back = {new: old for old, new in ids.items()}
    return verify(store, directory, manifest, back)


def verify(
    store: Store, directory: Path, manifest: dict[str, dict[str, Any]], back: dict[int, int]
) -> ExportSummary:
    """Scan ``store`` and compare with the manifest's rows and checksums (DataError if not)."""
    rows: dict[str, int] = {}
    sums: dict[str, str] = {}
    problems: list[str] = []
    for table in TABLES:
        if table not in manifest:
            continue
        schema = _schema(table)
        total, done = 0, 0
        for chunk in scan(store, table):
            part = _as_batch(chunk).cast(schema)
            if table in ("samples", "signals") and part.num_rows:
                part = part.set_column(0, "signal_id", _remap(part.column("signal_id"), back))
            total = (total + checksum(part)) % 2**64
            done += part.num_rows
        rows[table], sums[table] = done, f"{total:016x}"
        want = manifest[table]
        if done != int(want["rows"]) or sums[table] != want["checksum"]:
            problems.append(
                f"{table}: {done} rows, checksum {sums[table]}; the export has"
                f" {want['rows']} rows, checksum {want['checksum']}"
            )
    if problems:
        msg = "import verification failed: " + "; ".join(problems)
        raise DataError(msg)
    return ExportSummary(directory, rows, sums)
