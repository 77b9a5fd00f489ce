"""Samples and counts in DuckDB: idempotent appends without a key index, range queries, buckets.

Idempotent appends (natural keys ``(signal_id, ts)`` and ``(machine, ts)``, first write wins)
do not use a primary-key index, because appending to DuckDB's ART index dominates insert
time. Instead the writer keeps, per signal (per machine for counts), the newest stored
timestamp in memory — the *watermark*, loaded once when the store opens:

1. duplicates inside the batch are removed first (a vectorised monotonicity check makes this
   free for the usual sorted batches);
2. rows newer than their signal's watermark cannot exist yet: they are appended straight
   from Arrow (the fast path, the whole batch for a live feed);
3. the remaining rows (late or re-sent data) are inserted with an anti-join against the
   stored rows of those signals, restricted to the late rows' time range (the slow path).

Exactly the rows newly stored (the fast path's batch, the slow path's absent rows) are also
folded into the 1-minute roll-up in the same transaction (:mod:`.rollup`), which
:func:`aggregate_samples` reads for buckets of whole minutes (other widths scan raw rows).
For a large fast-path batch a short-lived worker thread computes the roll-up's partial
aggregates (NumPy, no connection) while DuckDB appends the rows; both release the GIL.

Watermarks advance only after the transaction commits, so a failed write never makes a later
retry skip rows. Retention may delete rows below a watermark; the watermark then is merely
an upper bound and re-sent old rows go through the exact slow path. Every function here runs
on a connection given by the caller, which serialises writers (see ``backend``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from smartfactory.errors import DataError
from smartfactory.store.base import AGGREGATE_SCHEMA, COUNT_SCHEMA, SAMPLE_SCHEMA
from smartfactory.store.convert import (
    bucket_us,
    conform,
    id_list,
    result,
    to_us,
    unique_rows,
)
from smartfactory.store.duckdb import rollup

__all__ = [
    "CountWatermarks",
    "SampleWatermarks",
    "aggregate_samples",
    "latest_samples",
    "query_counts",
    "query_counts_coded",
    "query_samples",
    "write_counts",
    "write_samples",
]

NO_DATA = np.iinfo(np.int64).min
_OVERLAP_ROWS = 100_000  # below this a worker thread costs more than it hides
_BATCH = "_sf_batch"

I64 = npt.NDArray[np.int64]


class SampleWatermarks:
    """Newest stored sample time (epoch microseconds) of each signal id, ``NO_DATA`` if none."""

    def __init__(self) -> None:
        self.us: I64 = np.full(1, NO_DATA, dtype=np.int64)

    def load(self, con: duckdb.DuckDBPyConnection, max_signal_id: int) -> None:
        """Read every signal's newest sample time from the database."""
        self.resize(max_signal_id)
        rows = con.execute(
            "SELECT signal_id, epoch_us(max(ts)) AS us FROM samples GROUP BY signal_id"
        ).fetchnumpy()
        ids = np.asarray(rows["signal_id"], dtype=np.int64)
        if ids.size:
            self.resize(int(ids.max()))
        self.us[ids] = np.asarray(rows["us"], dtype=np.int64)

    def resize(self, max_signal_id: int) -> None:
        """Make room for signal ids up to ``max_signal_id``."""
        if max_signal_id + 1 > self.us.size:
            grown = np.full(max_signal_id + 1, NO_DATA, dtype=np.int64)
            grown[: self.us.size] = self.us
            self.us = grown

    def lower_bound(self, signal_ids: Sequence[int]) -> int | None:
        """Oldest watermark among these signals that have data, None if none has any."""
        marks = self.us
        ids = np.asarray([i for i in signal_ids if 0 <= i < marks.size], dtype=np.int64)
        present = marks[ids][marks[ids] != NO_DATA]
        return int(present.min()) if present.size else None


class CountWatermarks:
    """Newest stored count time (epoch microseconds) of each machine."""

    def __init__(self) -> None:
        self.us: dict[str, int] = {}

    def load(self, con: duckdb.DuckDBPyConnection) -> None:
        """Read every machine's newest count time from the database."""
        rows = con.execute("SELECT machine, epoch_us(max(ts)) FROM counts GROUP BY 1").fetchall()
        self.us = {str(machine): int(us) for machine, us in rows}


def _insert(con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> int:
    con.register(_BATCH, batch)
    try:
        row = con.execute(f"INSERT INTO {table} SELECT * FROM {_BATCH}").fetchone()
    finally:
        con.unregister(_BATCH)
    return int(row[0]) if row is not None else 0


def _absent(
    con: duckdb.DuckDBPyConnection, table: str, key: str, batch: pa.Table, schema: pa.Schema
) -> pa.Table:
    """The rows of ``batch`` whose (key, ts) is not stored, scanning only the batch's range."""
    ts = batch.column("ts").cast(pa.int64()).to_numpy()
    con.register(_BATCH, batch)
    try:
        rel = con.sql(
            f"SELECT b.* FROM {_BATCH} b ANTI JOIN ("
            f"  SELECT {key}, ts FROM {table}"
            "  WHERE ts >= make_timestamptz($lo) AND ts <= make_timestamptz($hi)"
            f"  AND {key} IN (SELECT DISTINCT {key} FROM {_BATCH})"
            f") s ON b.{key} = s.{key} AND b.ts = s.ts",
            params={"lo": int(ts.min()), "hi": int(ts.max())},
        )
        return result(rel.to_arrow_table(), schema).combine_chunks()
    finally:
        con.unregister(_BATCH)


def _insert_overlapped(
    con: duckdb.DuckDBPyConnection, table: pa.Table, by_signal: bool
) -> tuple[int, pa.Table | None]:
    """Append samples while a worker thread computes their roll-up partials (large batches).

    Both release the GIL, so the NumPy work hides behind DuckDB's insert on a spare core.
    """
    if table.num_rows < _OVERLAP_ROWS or not by_signal:
        return _insert(con, "samples", table), None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sf-rollup") as pool:
        parts = pool.submit(rollup.partials, table, by_signal)
        written = _insert(con, "samples", table)
        return written, parts.result()


def _strictly_ordered(first: npt.NDArray[np.integer], second: npt.NDArray[np.integer]) -> bool:
    """True when rows are strictly increasing in (first, second): then no key repeats."""
    if first.size < 2:
        return True
    a0, a1, b0, b1 = first[:-1], first[1:], second[:-1], second[1:]
    return bool(np.all((a1 > a0) | ((a1 == a0) & (b1 > b0))))


def write_samples(
    con: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    marks: SampleWatermarks,
    max_signal_id: int,
) -> int:
    """Append new samples, skipping any (signal_id, ts) already stored or repeated; see module."""
    table = conform(batch, SAMPLE_SCHEMA, "samples", keys=("signal_id", "ts"))
    if table.num_rows == 0:
        return 0
    table = table.combine_chunks()
    sid = table.column("signal_id").to_numpy()
    ts = table.column("ts").cast(pa.int64()).to_numpy()
    low, high = int(sid.min()), int(sid.max())
    if low < 1 or high > max_signal_id:
        bad = low if low < 1 else high
        msg = f"samples refer to signal_id {bad}, which is not registered"
        raise DataError(msg)
    by_signal = _strictly_ordered(sid, ts)
    if not (by_signal or _strictly_ordered(ts, sid)):
        table = unique_rows(table, ("signal_id", "ts"), keep="first").combine_chunks()
        sid = table.column("signal_id").to_numpy()
        ts = table.column("ts").cast(pa.int64()).to_numpy()
    # Run ends: when rows are grouped by signal, the last row of each run is its newest.
    ends = np.append(np.flatnonzero(sid[1:] != sid[:-1]), sid.size - 1) if by_signal else None
    fresh = _fresh(sid, ts, marks.us, ends)
    con.execute("BEGIN TRANSACTION")
    try:
        if fresh is None:
            written, parts = _insert_overlapped(con, table, by_signal)
            rollup.add(con, table, marks.us, by_signal, parts)
        else:
            new = table.filter(fresh) if fresh.any() else SAMPLE_SCHEMA.empty_table()
            written = _insert(con, "samples", new) if new.num_rows else 0
            rollup.add(con, new, marks.us, by_signal)
            absent = _absent(
                con, "samples", "signal_id", table.filter(pa.array(~fresh)), SAMPLE_SCHEMA
            )
            written += _insert(con, "samples", absent) if absent.num_rows else 0
            rollup.add(con, absent, None, sorted_by_signal=False)  # join order: arbitrary
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    updated = marks.us.copy()
    if ends is not None:  # one row per signal: plain vectorised maximum
        updated[sid[ends]] = np.maximum(updated[sid[ends]], ts[ends])
    else:
        np.maximum.at(updated, sid, ts)
    marks.us = updated  # swap, so concurrent readers see the old or the new array whole
    return written


def _fresh(
    sid: npt.NDArray[np.int32], ts: I64, marks: I64, ends: npt.NDArray[np.intp] | None
) -> npt.NDArray[np.bool_] | None:
    """Mask of rows newer than their signal's watermark; None when every row is.

    Cheap tests first: a batch newer than every watermark (a live feed), or, for a batch
    grouped by signal, each run's first (oldest) row newer than its signal's watermark.
    """
    if ts.min() > marks.max():
        return None
    if ends is not None:
        starts = np.concatenate(([0], ends[:-1] + 1))
        if bool(np.all(ts[starts] > marks[sid[starts]])):
            return None
    fresh = ts > marks[sid]
    return None if fresh.all() else fresh


def query_samples(
    con: duckdb.DuckDBPyConnection, signal_ids: Sequence[int], start: datetime, end: datetime
) -> pa.Table:
    """Samples of these signals with start <= ts < end, ordered by signal_id, ts."""
    ids = id_list(signal_ids)
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if not ids or hi <= lo:
        return SAMPLE_SCHEMA.empty_table()
    rel = con.sql(
        f"SELECT signal_id, ts, value FROM samples WHERE signal_id IN ({ids})"
        " AND ts >= make_timestamptz($lo) AND ts < make_timestamptz($hi) ORDER BY signal_id, ts",
        params={"lo": lo, "hi": hi},
    )
    return result(rel.to_arrow_table(), SAMPLE_SCHEMA)


def aggregate_samples(
    con: duckdb.DuckDBPyConnection,
    signal_ids: Sequence[int],
    start: datetime,
    end: datetime,
    bucket: timedelta,
    *,
    use_rollup: bool = True,
) -> pa.Table:
    """Count, mean, min and max per signal and bucket (buckets aligned to the Unix epoch).

    ``n`` counts samples including those whose value is null; mean, min and max ignore nulls.
    Buckets of whole minutes are answered from the 1-minute roll-up and raw samples at the
    window's edges (:func:`.rollup.aggregate`) unless ``use_rollup`` is False; other widths
    scan raw samples. There the bucket key is integer arithmetic on ``epoch_us(ts)`` relative
    to the first bucket start, non-negative for every selected row, so ``//`` is a floor.
    """
    width = bucket_us(bucket)
    ids = id_list(signal_ids)
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if not ids or hi <= lo:
        return AGGREGATE_SCHEMA.empty_table()
    if use_rollup:
        rolled = rollup.aggregate(con, ids, lo, hi, width)
        if rolled is not None:
            return result(rolled, AGGREGATE_SCHEMA)
    origin = lo - lo % width
    rel = con.sql(
        "SELECT signal_id, $origin + k * $width AS bucket, n, mean, lo, hi FROM ("
        "  SELECT signal_id, (epoch_us(ts) - $origin) // $width AS k, count(*) AS n,"
        "   avg(value) AS mean, min(value) AS lo, max(value) AS hi"
        f"  FROM samples WHERE signal_id IN ({ids})"
        "   AND ts >= make_timestamptz($lo) AND ts < make_timestamptz($hi)"
        "  GROUP BY signal_id, k"
        ") ORDER BY signal_id, bucket",
        params={"origin": origin, "width": width, "lo": lo, "hi": hi},
    )
    return result(rel.to_arrow_table(), AGGREGATE_SCHEMA)


def latest_samples(
    con: duckdb.DuckDBPyConnection, signal_ids: Sequence[int], marks: SampleWatermarks
) -> pa.Table:
    """The newest sample of each of these signals that has one, ordered by signal_id.

    Only rows at or after the oldest watermark of the requested signals are scanned; a
    watermark is never ahead of committed data, so the filter cannot hide the newest row.
    """
    ids = id_list(signal_ids)
    bound = marks.lower_bound([int(i) for i in ids.split(",")]) if ids else None
    if bound is None:
        return SAMPLE_SCHEMA.empty_table()
    rel = con.sql(
        f"SELECT signal_id, ts, value FROM samples WHERE signal_id IN ({ids})"
        " AND ts >= make_timestamptz($lo)"
        " QUALIFY row_number() OVER (PARTITION BY signal_id ORDER BY ts DESC) = 1"
        " ORDER BY signal_id",
        params={"lo": bound},
    )
    return result(rel.to_arrow_table(), SAMPLE_SCHEMA)


def write_counts(con: duckdb.DuckDBPyConnection, batch: pa.Table, marks: CountWatermarks) -> int:
    """Append new counts, skipping any (machine, ts) already stored or repeated in the batch."""
    table = conform(batch, COUNT_SCHEMA, "counts", keys=("machine", "ts"))
    if table.num_rows == 0:
        return 0
    table = unique_rows(table, ("machine", "ts"), keep="first")
    span = (
        table.select(["machine", "ts"])
        .append_column("us", table.column("ts").cast(pa.int64()))
        .group_by("machine", use_threads=False)
        .aggregate([("us", "min"), ("us", "max")])
        .to_pylist()
    )
    fresh = all(row["us_min"] > marks.us.get(row["machine"], NO_DATA) for row in span)
    con.execute("BEGIN TRANSACTION")
    try:
        if not fresh:
            table = _absent(con, "counts", "machine", table, COUNT_SCHEMA)
        written = _insert(con, "counts", table) if table.num_rows else 0
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    updated = dict(marks.us)
    for row in span:
        updated[row["machine"]] = max(updated.get(row["machine"], NO_DATA), row["us_max"])
    marks.us = updated
    return written


def query_counts(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    machines: Sequence[str] | None = None,
) -> pa.Table:
    """Counts with start <= ts < end (of these machines if given), ordered by machine, ts."""
    lo, hi = to_us(start, "start"), to_us(end, "end")
    where = "" if machines is None else " AND list_contains($machines, machine)"
    params: dict[str, object] = {"lo": lo, "hi": hi}
    if machines is not None:
        params["machines"] = [str(m) for m in machines]
    rel = con.sql(
        "SELECT machine, ts, good, scrap FROM counts"
        " WHERE ts >= make_timestamptz($lo) AND ts < make_timestamptz($hi)"
        f"{where} ORDER BY machine, ts",
        params=params,
    )
    return result(rel.to_arrow_table(), COUNT_SCHEMA)


def query_counts_coded(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, machines: Sequence[str]
) -> pa.Table:
    """Counts of these machines with start <= ts < end, in no particular order.

    The fast read for bulk analysis: ``machine`` is a dictionary over ``machines`` (in that
    order); otherwise the columns of :data:`~smartfactory.store.base.COUNT_SCHEMA`.
    """
    lo, hi = to_us(start, "start"), to_us(end, "end")
    names = [str(m) for m in machines]
    rel = con.sql(
        "SELECT mi, ts, good, scrap FROM ("
        "  SELECT (list_position($m, machine) - 1)::INTEGER AS mi, * FROM counts"
        "  WHERE ts >= make_timestamptz($lo) AND ts < make_timestamptz($hi)"
        ") WHERE mi IS NOT NULL",
        params={"lo": lo, "hi": hi, "m": names},
    )
    table = rel.to_arrow_table()
    machine = pa.DictionaryArray.from_arrays(
        table.column("mi").combine_chunks(), pa.array(names, pa.string())
    )
    return pa.table(
        {
            "machine": machine,
            "ts": table.column("ts").cast(COUNT_SCHEMA.field("ts").type),
            "good": table.column("good").cast(pa.int32()),
            "scrap": table.column("scrap").cast(pa.int32()),
        }
    )
