"""Validation of input at the store boundary, shared by every backend.

Everything that enters the store is checked here and rejected with
:class:`~smartfactory.errors.DataError` (wrong columns, uncastable types, naive timestamps,
nulls in key columns); everything that leaves is cast to the fixed schemas of
:mod:`smartfactory.store.base`, so the connection's settings never leak into results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.domain.records import Event
from smartfactory.errors import DataError
from smartfactory.store.base import SignalKey

__all__ = [
    "EPOCH",
    "bucket_us",
    "conform",
    "event_rows",
    "from_us",
    "id_list",
    "result",
    "schema_of",
    "signal_keys",
    "to_us",
    "unique_rows",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def schema_of(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    """An Arrow schema of these (name, type) columns."""
    return pa.schema([pa.field(name, type_) for name, type_ in columns])


def to_us(value: datetime, name: str = "timestamp") -> int:
    """Microseconds since the Unix epoch of a timezone-aware datetime; DataError if naive."""
    if not isinstance(value, datetime):
        msg = f"{name} must be a datetime, got {type(value).__name__}"
        raise DataError(msg)
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"{name} {value.isoformat()} is naive; the store needs timezone-aware UTC times"
        raise DataError(msg)
    return (value - EPOCH) // _US


def from_us(us: int) -> datetime:
    """The UTC datetime ``us`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=us)


def bucket_us(bucket: timedelta) -> int:
    """A bucket width in whole microseconds; DataError unless it is positive."""
    if not isinstance(bucket, timedelta) or bucket <= timedelta(0):
        msg = f"bucket must be a positive timedelta, got {bucket!r}"
        raise DataError(msg)
    return bucket // _US


def id_list(signal_ids: Sequence[int]) -> str:
    """SQL literal list of integer ids (validated as ints, so safe to inline)."""
    try:
        ids = sorted({int(i) for i in signal_ids})
    except (TypeError, ValueError) as err:
        msg = f"signal ids must be integers: {err}"
        raise DataError(msg) from err
    return ",".join(str(i) for i in ids)


def conform(
    batch: pa.Table | pa.RecordBatch, schema: pa.Schema, what: str, keys: Sequence[str]
) -> pa.Table:
    """Return ``batch`` with exactly ``schema``'s columns, order and types.

    Columns are matched by name; numeric and string types are cast safely (no overflow or
    truncation); timestamps must be timezone-aware (any zone and unit, converted to UTC
    microseconds). ``keys`` name the columns that may not contain nulls. Anything else raises
    DataError naming the table and column.
    """
    if isinstance(batch, pa.RecordBatch):
        batch = pa.Table.from_batches([batch])
    if not isinstance(batch, pa.Table):
        msg = f"{what} must be a pyarrow Table, got {type(batch).__name__}"
        raise DataError(msg)
    names = set(batch.column_names)
    expected = set(schema.names)
    if names != expected or len(batch.column_names) != len(names):
        missing = sorted(expected - names)
        extra = sorted(names - expected)
        msg = (
            f"{what} batch has columns {batch.column_names}, expected {schema.names}"
            f" (missing {missing}, unexpected {extra})"
        )
        raise DataError(msg)
    columns = []
    for field in schema:
        column = batch.column(field.name)
        if pa.types.is_timestamp(field.type):
            if not pa.types.is_timestamp(column.type):
                msg = f"{what}.{field.name} must be a timestamp column, got {column.type}"
                raise DataError(msg)
            if column.type.tz is None:
                msg = (
                    f"{what}.{field.name} has naive timestamps ({column.type});"
                    " use timezone-aware UTC, e.g. pa.timestamp('us', tz='UTC')"
                )
                raise DataError(msg)
        if column.type != field.type:
            try:
                column = column.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
                msg = f"{what}.{field.name}: cannot use {column.type} as {field.type}: {err}"
                raise DataError(msg) from err
        if field.name in keys and column.null_count:
            msg = f"{what}.{field.name} contains {column.null_count} null(s); it is part of the key"
            raise DataError(msg)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def result(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast a query result to ``schema`` (renaming columns positionally); cheap when equal."""
    if table.schema.equals(schema):
        return table
    table = table.rename_columns(schema.names)
    return table.cast(schema)


def unique_rows(table: pa.Table, keys: Sequence[str], keep: str = "first") -> pa.Table:
    """``table`` without the rows that repeat a key, keeping its first or last row, in order."""
    index = pa.array(range(table.num_rows), type=pa.int64())
    keyed = table.select(list(keys)).append_column("_i", index)
    grouped = keyed.group_by(list(keys), use_threads=False)
    chosen = grouped.aggregate([("_i", "min")] if keep == "first" else [("_i", "max")])
    if chosen.num_rows == table.num_rows:
        return table
    rows = chosen.column("_i_min" if keep == "first" else "_i_max").combine_chunks()
    return table.take(pc.take(rows, pc.array_sort_indices(rows)))


def signal_keys(keys: Sequence[SignalKey]) -> dict[tuple[str, str], SignalKey]:
    """The keys by (machine, name), first one kept; DataError for a non-key or an empty name."""
    wanted: dict[tuple[str, str], SignalKey] = {}
    for key in keys:
        if not isinstance(key, SignalKey):
            msg = f"expected a SignalKey, got {type(key).__name__}"
            raise DataError(msg)
        if not key.machine or not key.name:
            msg = f"signal machine and name must not be empty: {key!r}"
            raise DataError(msg)
        wanted.setdefault((key.machine, key.name), key)
    return wanted


def event_rows(events: Sequence[Event]) -> dict[tuple[int, str, str], tuple[str, str]]:
    """Events by (timestamp in µs, kind, source) -> (message, data as JSON), first one kept.

    DataError for a non-event, a kind or source that is not text, or data that is not JSON.
    """
    rows: dict[tuple[int, str, str], tuple[str, str]] = {}
    for event in events:
        if not isinstance(event, Event):
            msg = f"expected an Event, got {type(event).__name__}"
            raise DataError(msg)
        if not isinstance(event.kind, str) or not isinstance(event.source, str):
            msg = f"event kind and source must be strings, got {event.kind!r}, {event.source!r}"
            raise DataError(msg)
        try:
            data = json.dumps(event.data, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError) as err:
            msg = f"event {event.kind!r} from {event.source!r}: data is not JSON: {err}"
            raise DataError(msg) from err
        key = (to_us(event.timestamp, "event timestamp"), event.kind, event.source)
        rows.setdefault(key, (str(event.message), data))
    return rows
