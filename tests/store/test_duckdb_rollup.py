"""The DuckDB 1-minute roll-up: always equal to the raw samples, and answers equal to raw ones.

Random histories of writes (late data, duplicates within and across batches, nulls, NaN,
batches sorted by signal and not) and retention, then: ``samples_1m`` equals a ``GROUP BY``
over ``samples`` (one row per signal and minute), and ``aggregate_samples`` through the
roll-up returns what the raw query returns for random windows and buckets.
"""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.store import DuckDBStore, SignalKey
from smartfactory.store.duckdb import rollup, timeseries
from smartfactory.store.duckdb.schema import MIGRATIONS, schema_version

T0 = datetime(2024, 3, 1, 8, 0, 17, tzinfo=UTC)  # not on a whole minute
T0_US = (T0 - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
SECOND = 1_000_000
TS = pa.timestamp("us", tz="UTC")

values = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([None, math.nan, 0.0, 5.0]),
)
row = st.tuples(st.integers(0, 2), st.integers(-300, 900), st.integers(0, 2), values)
write = st.tuples(st.just("write"), st.lists(row, min_size=1, max_size=60), st.booleans())
retain = st.tuples(st.just("retain"), st.integers(-100, 600), st.integers(0, SECOND))
window = st.tuples(
    st.integers(-400, 1000),  # start, seconds from T0
    st.integers(0, SECOND - 1),  # and microseconds
    st.integers(0, 1500),  # length, seconds
    st.sampled_from([60, 60, 120, 300, 3600, 7, 90]),  # bucket, seconds
)


def _batch(ids: list[int], rows_: list[tuple[int, int, int, float | None]], by_signal: bool):
    sid = [ids[r[0]] for r in rows_]
    ts = [T0_US + r[1] * SECOND + r[2] for r in rows_]  # repeats and microsecond neighbours
    value = [r[3] for r in rows_]
    if by_signal:  # sorted by (signal, ts) without repeats: the NumPy fast path
        keep = dict(zip(zip(sid, ts, strict=True), value, strict=True))
        sid, ts = map(list, zip(*sorted(keep), strict=True))
        value = [keep[k] for k in zip(sid, ts, strict=True)]
    return pa.table(
        {
            "signal_id": pa.array(sid, pa.int32()),
            "ts": pa.array(np.asarray(ts, dtype=np.int64)).cast(TS),
            "value": pa.array(value, pa.float64()),
        }
    )


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == pytest.approx(b, rel=1e-12, abs=1e-9)
    return a == b


def _rows(table: pa.Table) -> list[tuple[object, ...]]:
    return list(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))


def _check_invariant(con: duckdb.DuckDBPyConnection) -> None:
    rolled = con.sql(
        f"SELECT signal_id, bucket_us, n, nv, lo, hi, total FROM {rollup.TABLE} ORDER BY 1, 2"
    ).fetchall()
    raw = con.sql(
        f"SELECT signal_id, {rollup.minute_of('epoch_us(ts)')} AS m, count(*), count(value),"
        " min(value), max(value), sum(value) FROM samples GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    assert [r[:4] for r in rolled] == [r[:4] for r in raw]
    for got, want in zip(rolled, raw, strict=True):
        assert all(_same(g, w) for g, w in zip(got[4:], want[4:], strict=True)), (got, want)


def _check_answers(store: DuckDBStore, con: duckdb.DuckDBPyConnection, ids: list[int], w) -> None:
    start = T0 + timedelta(seconds=w[0], microseconds=w[1])
    end = start + timedelta(seconds=w[2])
    bucket = timedelta(seconds=w[3])
    got = store.aggregate_samples(ids, start, end, bucket)
    want = timeseries.aggregate_samples(con, ids, start, end, bucket, use_rollup=False)
    assert got.schema == want.schema
    got_rows, want_rows = _rows(got), _rows(want)
    assert [r[:3] for r in got_rows] == [r[:3] for r in want_rows]
    for g, e in zip(got_rows, want_rows, strict=True):
        assert all(_same(a, b) for a, b in zip(g[3:], e[3:], strict=True)), (g, e)


@settings(max_examples=40, deadline=None)
@given(
    ops=st.lists(st.one_of(write, write, write, retain), min_size=1, max_size=8),
    windows=st.lists(window, min_size=1, max_size=4),
)
def test_rollup_equals_raw(ops, windows) -> None:
    with tempfile.TemporaryDirectory() as tmp:  # a new database for every example
        _replay(Path(tmp) / "plant.duckdb", ops, windows)


def _replay(path: Path, ops, windows) -> None:
    store = DuckDBStore(path)
    con = duckdb.connect(str(path))  # the same database instance, for the raw answers
    try:
        keys = [SignalKey("m", f"s{i}") for i in range(3)]
        by_key = store.register_signals(keys)
        ids = [by_key[("m", k.name)] for k in keys]
        for op in ops:
            if op[0] == "write":
                store.write_samples(_batch(ids, op[1], op[2]))
            else:
                store.delete_before(T0 + timedelta(seconds=op[1], microseconds=op[2]))
        _check_invariant(con)
        for w in windows:
            _check_answers(store, con, ids, w)
    finally:
        con.close()
        store.close()


def test_live_feed_keeps_one_row_per_minute(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "live.duckdb")
    (a,) = store.register_signals([SignalKey("m", "x")]).values()
    for k in range(150):  # one sample a second, one write each: merged, not appended
        ts = pa.array([T0_US + k * SECOND], pa.int64()).cast(TS)
        batch = pa.table({"signal_id": pa.array([a], pa.int32()), "ts": ts, "value": [float(k)]})
        assert store.write_samples(batch) == 1
    con = duckdb.connect(str(tmp_path / "live.duckdb"))
    try:
        assert con.sql(f"SELECT count(*) FROM {rollup.TABLE}").fetchall() == [(3,)]
        _check_invariant(con)
        _check_answers(store, con, [a], (0, 0, 150, 60))
    finally:
        con.close()
        store.close()


def test_migration_backfills_existing_samples(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    schema_version(con)
    for migration in MIGRATIONS[:2]:
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            "INSERT INTO schema_version (version, description) VALUES (?, ?)",
            [migration.version, migration.description],
        )
    con.execute("INSERT INTO signals VALUES (1, 'm', 'x', '', 'analog')")
    con.execute(
        "INSERT INTO samples SELECT 1, make_timestamptz($t0 + i * 7_000_000),"
        " CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.5 END FROM range(500) r(i)",
        {"t0": T0_US},
    )
    con.close()
    assert MIGRATIONS[-1].version >= 3
    store = DuckDBStore(path)
    con = duckdb.connect(str(path))
    try:
        assert con.sql("SELECT max(version) FROM schema_version").fetchall() == [
            (MIGRATIONS[-1].version,)
        ]
        assert con.sql(f"SELECT sum(n) FROM {rollup.TABLE}").fetchall() == [(500,)]
        _check_invariant(con)
        _check_answers(store, con, [1], (30, 5, 3000, 60))
        _check_answers(store, con, [1], (-20, 0, 3600, 300))
        # writes after the migration extend the back-filled minutes
        ts = pa.array([T0_US + 3499 * SECOND], pa.int64()).cast(TS)
        batch = pa.table({"signal_id": pa.array([1], pa.int32()), "ts": ts, "value": [1.0]})
        assert store.write_samples(batch) == 1
        _check_invariant(con)
    finally:
        con.close()
        store.close()


def test_large_late_batch_sorted_by_signal(tmp_path: Path) -> None:
    """Late rows come back from the anti-join in any order; their partials must still add up."""
    path = tmp_path / "late.duckdb"
    store = DuckDBStore(path)
    ids = list(store.register_signals([SignalKey("m", f"s{i}") for i in range(3)]).values())
    n = 200_000
    rng = np.random.default_rng(3)
    ts = T0_US + np.arange(n, dtype=np.int64) * 7_000  # 7 ms apart: ~23 minutes
    every = pa.table(
        {
            "signal_id": pa.array(np.repeat(np.asarray(ids, dtype=np.int32), n)),
            "ts": pa.array(np.tile(ts, 3)).cast(TS),
            "value": rng.normal(size=3 * n),
        }
    )
    assert store.write_samples(every.filter(pa.array(np.tile(np.arange(n) % 3 == 0, 3)))) > 0
    store.write_samples(every)  # sorted by signal; two thirds late and absent
    con = duckdb.connect(str(path))
    try:
        _check_invariant(con)
        _check_answers(store, con, ids, (10, 0, 1200, 60))
    finally:
        con.close()
        store.close()
