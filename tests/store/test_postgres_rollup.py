"""The PostgreSQL roll-ups (samples_1m, samples_1h) always equal raw aggregation."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.store import PostgresStore, SignalKey
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

TS = pa.timestamp("us", tz="UTC")
T0 = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)  # spans midnight: two daily partitions
SPAN_US = 3 * 3600 * 1_000_000

RAW = (
    "SELECT signal_id, date_bin(%s::bigint * interval '1 microsecond', ts,"
    " timestamptz 'epoch') AS b, count(*), avg(value), min(value), max(value) FROM samples"
    " WHERE signal_id = ANY(%s) AND ts >= %s AND ts < %s GROUP BY 1, 2 ORDER BY 1, 2"
)
INVARIANT = (
    "SELECT signal_id, date_bin(interval '{w}', ts, timestamptz 'epoch'), count(*),"
    " count(value), sum(value), min(value), max(value) FROM samples GROUP BY 1, 2"
    " EXCEPT SELECT * FROM {t}"
)


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    require_postgres()
    path: Path = tmp_path_factory.mktemp("rollup")
    store = PostgresStore(PG_DSN, schema=pg_schema(path))
    store.register_signals([SignalKey("m", "a"), SignalKey("m", "b"), SignalKey("n", "c")])
    yield store
    store.drop_schema()


def _batch(rows: list[tuple[int, int, float | None]]) -> pa.Table:
    return pa.table(
        {
            "signal_id": pa.array([r[0] for r in rows], pa.int32()),
            "ts": pa.array([T0 + timedelta(microseconds=r[1]) for r in rows], TS),
            "value": pa.array([r[2] for r in rows], pa.float64()),
        }
    )


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _check_invariant(store: PostgresStore) -> None:
    with store._reading() as con:
        for width, table in (("1 minute", "samples_1m"), ("1 hour", "samples_1h")):
            extra = con.execute(INVARIANT.format(w=width, t=table).encode()).fetchall()
            # EXCEPT compares floats exactly: allow sums that differ in the last bits only
            for row in extra:
                stored = con.execute(
                    f"SELECT * FROM {table} WHERE signal_id = %s AND bucket = %s".encode(),
                    [row[0], row[1]],
                ).fetchone()
                assert stored is not None, (table, row)
                assert all(_same(x, y) for x, y in zip(row, stored, strict=True)), (row, stored)
            count = con.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
            groups = con.execute(
                f"SELECT count(DISTINCT (signal_id, date_bin(interval '{width}', ts,"
                " timestamptz 'epoch'))) FROM samples".encode()
            ).fetchone()
            assert count == groups


values = st.one_of(
    st.none(),
    st.just(math.nan),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
rows = st.tuples(st.integers(1, 3), st.integers(0, SPAN_US - 1), values)
widths = st.sampled_from([60, 120, 300, 900, 3600, 7200, 86400])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(st.lists(rows, min_size=1, max_size=40), min_size=1, max_size=4),
    window=st.tuples(st.integers(-60_000_000, SPAN_US), st.integers(1, SPAN_US + 60_000_000)),
    width_s=widths,
    cutoff=st.one_of(st.none(), st.integers(0, SPAN_US)),
)
def test_rollup_aggregates_equal_raw(
    pg: PostgresStore,
    batches: list[list[tuple[int, int, float | None]]],
    window: tuple[int, int],
    width_s: int,
    cutoff: int | None,
) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"TRUNCATE {pg.schema}.samples, {pg.schema}.samples_1m, {pg.schema}.samples_1h")
    for batch in [*batches, batches[0]]:  # the re-sent first batch adds nothing
        pg.write_samples(_batch(batch))
    if cutoff is not None:
        pg.delete_before(T0 + timedelta(microseconds=cutoff))
    _check_invariant(pg)
    lo = T0 + timedelta(microseconds=window[0])
    hi = lo + timedelta(microseconds=window[1])
    got = pg.aggregate_samples([1, 2, 3], lo, hi, timedelta(seconds=width_s))
    with pg._reading() as con:
        want = con.execute(RAW.encode(), [width_s * 1_000_000, [1, 2, 3], lo, hi]).fetchall()
    got_rows = [tuple(r.values()) for r in got.to_pylist()]
    assert len(got_rows) == len(want)
    for g, w in zip(got_rows, want, strict=True):
        assert g[:3] == w[:3]
        assert all(_same(x, y) for x, y in zip(g[3:], w[3:], strict=True)), (g, w)


def test_rollup_is_read_for_whole_minutes(pg: PostgresStore) -> None:
    """A bucket of whole minutes is answered from samples_1m even when raw rows are gone."""
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"TRUNCATE {pg.schema}.samples, {pg.schema}.samples_1m, {pg.schema}.samples_1h")
    pg.write_samples(_batch([(1, i * 1_000_000, float(i)) for i in range(120)]))
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        # a marker only: change the stored roll-up, the aggregate must reflect it
        con.execute(f"UPDATE {pg.schema}.samples_1m SET hi = 1e9 WHERE signal_id = 1")
    start = T0
    got = pg.aggregate_samples([1], start, start + timedelta(minutes=2), timedelta(minutes=1))
    assert got.column("max").to_pylist() == [1e9, 1e9]
    assert got.column("n").to_pylist() == [60, 60]


def _nan_free(value: object) -> object:
    return "nan" if isinstance(value, float) and math.isnan(value) else value


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(
        st.lists(
            st.tuples(
                st.integers(1, 3),
                st.integers(0, SPAN_US - 1),
                st.one_of(values, st.sampled_from([math.inf, -math.inf, 0.0, -0.0])),
            ),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_direct_copy_and_staging_fold_the_same_rollups(
    pg: PostgresStore, batches: list[list[tuple[int, int, float | None]]]
) -> None:
    """Batches COPYed straight into samples (roll-ups grouped in NumPy) against the staging
    statement: the same rows and equal roll-up rows, sums included (added in the same order);
    NaN counts as equal to NaN, and -0.0 equals 0.0 as in SQL."""
    tables = ("samples", "samples_1m", "samples_1h")
    got: dict[bool, list[list[tuple[object, ...]]]] = {}
    for direct in (True, False):
        with psycopg.connect(PG_DSN, autocommit=True) as con:
            con.execute(f"TRUNCATE {', '.join(f'{pg.schema}.{t}' for t in tables)}")
        pg.direct_copy = direct
        try:
            stored = [pg.write_samples(_batch(batch)) for batch in [*batches, batches[0]]]
        finally:
            pg.direct_copy = True
        assert stored[-1] == 0
        with pg._reading() as con:
            got[direct] = [
                [tuple(_nan_free(v) for v in row) for row in con.execute(
                    f"SELECT * FROM {t} ORDER BY 1, 2".encode()).fetchall()]
                for t in tables
            ]  # fmt: skip
    assert got[True] == got[False]
    _check_invariant(pg)
