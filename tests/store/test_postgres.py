"""PostgreSQL-specific behaviour of PostgresStore beyond the shared contract suite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pytest

from smartfactory.errors import DataError, StoreError
from smartfactory.store import PostgresStore, SignalKey, open_store
from smartfactory.store.postgres.copy import encode_samples
from smartfactory.store.postgres.schema import HEAD
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

TS = pa.timestamp("us", tz="UTC")
DAY = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _samples(sid: int, times: list[datetime], values: list[float | None]) -> pa.Table:
    return pa.table(
        {
            "signal_id": pa.array([sid] * len(times), pa.int32()),
            "ts": pa.array(times, TS),
            "value": pa.array(values, pa.float64()),
        }
    )


def _partitions(schema: str) -> list[str]:
    with psycopg.connect(PG_DSN) as con:
        rows = con.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY 1",
            [f"{schema}.samples"],
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_daily_partitions_created_on_write_and_dropped_by_retention(schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema)
    try:
        (sid,) = store.register_signals([SignalKey("m", "t")]).values()
        times = [DAY + timedelta(hours=12 * i) for i in range(6)]  # three days, two a day
        assert store.write_samples(_samples(sid, times, [float(i) for i in range(6)])) == 6
        assert _partitions(schema) == ["samples_20240301", "samples_20240302", "samples_20240303"]
        # drops 03-01 whole (2 rows) and deletes the 00:00 row of the straddling 03-02
        assert store.delete_before(DAY + timedelta(days=1, hours=6)) == 3
        assert _partitions(schema) == ["samples_20240302", "samples_20240303"]
        got = store.query_samples([sid], DAY, DAY + timedelta(days=5))
        assert got.column("value").to_pylist() == [3.0, 4.0, 5.0]
        # writing into a dropped day re-creates its partition
        assert store.write_samples(_samples(sid, times[:1], [9.0])) == 1
        assert "samples_20240301" in _partitions(schema)
    finally:
        store.close()


def test_null_values_survive_binary_copy(schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema)
    try:
        (sid,) = store.register_signals([SignalKey("m", "t")]).values()
        times = [DAY + timedelta(seconds=i) for i in range(4)]
        assert store.write_samples(_samples(sid, times, [1.0, None, 3.0, None])) == 4
        got = store.query_samples([sid], DAY, DAY + timedelta(minutes=1))
        assert got.column("value").to_pylist() == [1.0, None, 3.0, None]
        agg = store.aggregate_samples([sid], DAY, DAY + timedelta(minutes=1), timedelta(minutes=1))
        assert agg.column("n").to_pylist() == [4]
        assert agg.column("mean").to_pylist() == [2.0]
    finally:
        store.close()


def test_encode_samples_layout() -> None:
    table = _samples(7, [datetime(2000, 1, 1, tzinfo=UTC)], [1.5])
    payload = encode_samples(table)
    assert payload.startswith(b"PGCOPY\n\xff\r\n\x00")
    assert payload.endswith(b"\xff\xff")
    assert len(payload) == 19 + 34 + 2
    row = payload[19:-2]
    assert row[:2] == b"\x00\x03"
    assert int.from_bytes(row[6:10], "big") == 7
    assert int.from_bytes(row[14:22], "big", signed=True) == 0  # the PostgreSQL epoch
    assert np.frombuffer(row[26:], ">f8")[0] == 1.5


def test_open_store_accepts_a_url_and_migrations_are_recorded() -> None:
    require_postgres()
    store = open_store(PG_DSN)
    try:
        assert isinstance(store, PostgresStore)
        assert store.schema == "smartfactory"
    finally:
        store.close()
    with psycopg.connect(PG_DSN) as con:
        row = con.execute("SELECT version_num FROM smartfactory.alembic_version").fetchone()
    assert row is not None
    assert row[0] == HEAD


def test_newer_schema_is_refused(schema: str) -> None:
    PostgresStore(PG_DSN, schema=schema).close()
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"UPDATE {schema}.alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer"):
        PostgresStore(PG_DSN, schema=schema)


def test_concurrent_opens_migrate_once(schema: str) -> None:
    stores: list[PostgresStore] = []
    errors: list[BaseException] = []

    def open_() -> None:
        try:
            stores.append(PostgresStore(PG_DSN, schema=schema))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=open_) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for store in stores:
        store.close()
    assert errors == []
    assert len(stores) == 3


def test_two_stores_share_signals_and_samples(schema: str) -> None:
    first = PostgresStore(PG_DSN, schema=schema)
    second = PostgresStore(PG_DSN, schema=schema)
    try:
        ids = first.register_signals([SignalKey("m", "a")])
        assert second.register_signals([SignalKey("m", "b"), SignalKey("m", "a")]) == {
            ("m", "b"): 2,
            ("m", "a"): 1,
        }
        # a signal registered by another process is accepted by this one's writer
        assert first.write_samples(_samples(2, [DAY], [1.0])) == 1
        assert second.write_samples(_samples(ids[("m", "a")], [DAY], [1.0])) == 1
        assert second.write_samples(_samples(2, [DAY], [5.0])) == 0
    finally:
        first.close()
        second.close()


def test_bad_arguments(schema: str) -> None:
    with pytest.raises(DataError):
        PostgresStore(PG_DSN, schema="Robert'); DROP TABLE x;--")
    with pytest.raises(StoreError):
        PostgresStore("postgresql://postgres@127.0.0.1:1/test", schema=schema)
    PostgresStore(PG_DSN, schema=schema).close()  # migrated first: under load the
    # migration itself can take longer than the 50 ms timeout below
    store = PostgresStore(PG_DSN, schema=schema, statement_timeout_s=0.05)
    try:
        with pytest.raises(StoreError), store._reading() as con:
            con.execute("SELECT pg_sleep(1)")
        assert store.signals().num_rows == 0  # the connection is still usable
    finally:
        store.close()
