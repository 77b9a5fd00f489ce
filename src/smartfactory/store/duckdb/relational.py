"""State intervals, events and production orders in DuckDB.

These tables are small next to ``samples`` (one row per state change, event or order), so
they carry primary keys and use DuckDB's ``INSERT OR REPLACE`` (states, orders: the last
write of a key wins, also within one batch) and ``INSERT OR IGNORE`` (events: the first wins).
Every function runs on a connection given by the caller, which serialises writers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.domain.records import Event
from smartfactory.store.base import ORDER_SCHEMA, STATE_SCHEMA, TS
from smartfactory.store.convert import (
    conform,
    event_rows,
    from_us,
    result,
    schema_of,
    to_us,
    unique_rows,
)

__all__ = [
    "query_events",
    "query_orders",
    "query_states",
    "query_states_coded",
    "write_events",
    "write_orders",
    "write_states",
]

_BATCH = "_sf_batch"


def _execute_with(con: duckdb.DuckDBPyConnection, sql: str, batch: pa.Table) -> int:
    """Run ``sql`` (which reads ``_sf_batch``) with ``batch`` registered; return its row count."""
    con.register(_BATCH, batch)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.unregister(_BATCH)
    return int(row[0]) if row is not None else 0


def write_states(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> int:
    """Upsert state intervals on (machine, start); return the number of rows written."""
    table = conform(batch, STATE_SCHEMA, "states", keys=("machine", "start", "state"))
    if table.num_rows == 0:
        return 0
    table = unique_rows(table, ("machine", "start"), keep="last")
    # DuckDB's INSERT OR REPLACE stores rows out of order; a plain INSERT keeps them in the
    # order given, so rows go in sorted by (machine, start) and bulk reads of a window come
    # back (nearly) sorted. A batch with no stored key (the usual case) is one plain INSERT,
    # checked against the primary key's index; otherwise the stored keys are replaced and
    # the new ones inserted in order, in one transaction.
    table = table.sort_by([("machine", "ascending"), ("start", "ascending")])
    try:
        return _execute_with(con, f"INSERT INTO states SELECT * FROM {_BATCH}", table)
    except duckdb.ConstraintException:
        pass  # some keys are stored: the statement was rolled back
    stored = (
        f"SELECT {_BATCH}.* FROM {_BATCH} {{join}} (SELECT machine, start FROM states"
        " WHERE start BETWEEN make_timestamptz($lo) AND make_timestamptz($hi)) AS s"
        " USING (machine, start)"
    )
    starts = table.column("start").cast(pa.int64())
    params = {"lo": pc.min(starts).as_py(), "hi": pc.max(starts).as_py()}
    con.register(_BATCH, table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"INSERT OR REPLACE INTO states {stored.format(join='SEMI JOIN')}", params)
        con.execute(
            f"INSERT INTO states {stored.format(join='ANTI JOIN')} ORDER BY machine, start",
            params,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister(_BATCH)
    return table.num_rows


def query_states(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    machines: Sequence[str] | None = None,
) -> pa.Table:
    """Intervals overlapping [start, end) — an open interval (null end) overlaps from its start.

    Intervals are returned whole (not clipped), ordered by machine, start.
    """
    lo, hi = to_us(start, "start"), to_us(end, "end")
    params: dict[str, object] = {"lo": lo, "hi": hi}
    where = ""
    if machines is not None:
        params["machines"] = [str(m) for m in machines]
        where = " AND list_contains($machines, machine)"
    rel = con.sql(
        'SELECT machine, start, "end", state, reason, order_id, product FROM states'
        ' WHERE start < make_timestamptz($hi) AND ("end" IS NULL OR "end" > make_timestamptz($lo))'
        f"{where} ORDER BY machine, start",
        params=params,
    )
    return result(rel.to_arrow_table(), STATE_SCHEMA)


_EVENT_SCHEMA = schema_of(
    ("ts", TS),
    ("kind", pa.string()),
    ("source", pa.string()),
    ("message", pa.string()),
    ("data", pa.string()),
)


def write_events(con: duckdb.DuckDBPyConnection, events: Sequence[Event]) -> int:
    """Store events, ignoring any whose (timestamp, kind, source) is stored or repeated."""
    rows = event_rows(events)
    if not rows:
        return 0
    keys = list(rows)
    table = pa.table(
        [
            pa.array([k[0] for k in keys], type=pa.int64()).cast(TS),
            pa.array([k[1] for k in keys], type=pa.string()),
            pa.array([k[2] for k in keys], type=pa.string()),
            pa.array([rows[k][0] for k in keys], type=pa.string()),
            pa.array([rows[k][1] for k in keys], type=pa.string()),
        ],
        schema=_EVENT_SCHEMA,
    )
    return _execute_with(con, f"INSERT OR IGNORE INTO events SELECT * FROM {_BATCH}", table)


def query_events(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    kinds: Sequence[str] | None = None,
) -> list[Event]:
    """Events with start <= timestamp < end (of these kinds if given), oldest first."""
    lo, hi = to_us(start, "start"), to_us(end, "end")
    params: dict[str, object] = {"lo": lo, "hi": hi}
    where = ""
    if kinds is not None:
        params["kinds"] = [str(k) for k in kinds]
        where = " AND list_contains($kinds, kind)"
    rows = con.execute(
        "SELECT epoch_us(ts), kind, source, message, data FROM events"
        " WHERE ts >= make_timestamptz($lo) AND ts < make_timestamptz($hi)"
        f"{where} ORDER BY ts, kind, source",
        params,
    ).fetchall()
    return [
        Event(
            timestamp=from_us(int(us)),
            kind=str(kind),
            source=str(source),
            message=str(message),
            data=json.loads(data),
        )
        for us, kind, source, message, data in rows
    ]


def write_orders(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> int:
    """Upsert production orders on id; return the number of rows written."""
    table = conform(batch, ORDER_SCHEMA, "orders", keys=("id",))
    if table.num_rows == 0:
        return 0
    table = unique_rows(table, ("id",), keep="last")
    return _execute_with(con, f"INSERT OR REPLACE INTO orders SELECT * FROM {_BATCH}", table)


def query_orders(con: duckdb.DuckDBPyConnection, status: str | None = None) -> pa.Table:
    """Production orders (only those with ``status`` if given), ordered by release, then id."""
    where = "" if status is None else " WHERE status = $status"
    params: dict[str, object] = {} if status is None else {"status": str(status)}
    rel = con.sql(
        "SELECT id, product, quantity, release, due, status, good, scrap, finished FROM orders"
        f"{where} ORDER BY release NULLS LAST, id",
        params=params,
    )
    return result(rel.to_arrow_table(), ORDER_SCHEMA)


def _vocabulary(
    con: duckdb.DuckDBPyConnection, window: str, params: dict[str, object]
) -> list[list[str]]:
    """Sorted distinct reasons, orders and products of the window, each with "" (also null)."""
    rows = con.sql(
        "SELECT list(DISTINCT coalesce(reason, '')), list(DISTINCT coalesce(order_id, '')),"
        f" list(DISTINCT coalesce(product, '')) FROM states WHERE {window}",
        params=params,
    ).fetchall()
    return [sorted({"", *(v or [])}) for v in rows[0]] if rows else [[""]] * 3


def query_states_coded(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, machines: Sequence[str]
) -> pa.Table:
    """Intervals overlapping [start, end) of these machines, text columns dictionary-encoded.

    The fast read for bulk analysis: like :func:`query_states` but in no particular order,
    ``machine`` a dictionary over ``machines`` (in that order) and ``reason``, ``order_id``,
    ``product`` dictionaries over their sorted distinct values and ``""`` (a null reads as
    ``""``), so the empty string is always index 0.
    """
    lo, hi = to_us(start, "start"), to_us(end, "end")
    window = 'start < make_timestamptz($hi) AND ("end" IS NULL OR "end" > make_timestamptz($lo))'
    params: dict[str, object] = {"lo": lo, "hi": hi}
    reasons, orders, products = _vocabulary(con, window, params)
    names = [str(m) for m in machines]
    codes = ", ".join(
        f"(list_position(${v}, coalesce({c}, '')) - 1)::INTEGER AS {c}"
        for v, c in (("r", "reason"), ("o", "order_id"), ("p", "product"))
    )
    rel = con.sql(
        f'SELECT mi, start, "end", state, {codes} FROM ('
        "  SELECT (list_position($m, machine) - 1)::INTEGER AS mi, * FROM states"
        f"  WHERE {window}) WHERE mi IS NOT NULL",
        params={**params, "m": names, "r": reasons, "o": orders, "p": products},
    )
    table = rel.to_arrow_table()

    def coded(name: str, vocabulary: list[str]) -> pa.DictionaryArray[Any, Any]:
        index = table.column(name).combine_chunks().cast(pa.int32())
        return pa.DictionaryArray.from_arrays(index, pa.array(vocabulary, pa.string()))

    return pa.table(
        {
            "machine": coded("mi", names),
            "start": table.column("start").cast(TS),
            "end": table.column("end").cast(TS),
            "state": table.column("state").cast(pa.int8()),
            "reason": coded("reason", reasons),
            "order_id": coded("order_id", orders),
            "product": coded("product", products),
        }
    )
