"""Whole-plant export and import: DuckDB -> PostgreSQL -> DuckDB gives the same plant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.config import example_plant
from smartfactory.domain.records import Event
from smartfactory.errors import DataError
from smartfactory.sim import FactorySimulation
from smartfactory.store import DuckDBStore, PostgresStore, SignalKey
from smartfactory.store.export import TABLES, checksum, export_store, import_store, scan
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

START = datetime(2024, 5, 6, tzinfo=UTC)


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _plant_store(path: Path) -> DuckDBStore:
    store = DuckDBStore(path)
    FactorySimulation(example_plant(), store, seed=3, start=START).run(START + timedelta(hours=10))
    store.write_events([Event(START, "note", "test", "ünïcode", {"a": [1, 2], "b": None})])
    store.execute_all(
        [
            (
                "INSERT INTO work_orders (id, machine, kind, status, created, updated, parts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                ["wo-1", "cnc-01", "corrective", "open", START, START, '["bearing"]'],
            ),
            (
                "INSERT INTO quarantine (id, ts, source, reason, payload) VALUES (?, ?, ?, ?, ?)",
                ["q-1", START, "mqtt", "bad", b"\x00\xff"],
            ),
            (
                "INSERT INTO users (id, username, role, password_hash, created)"
                " VALUES (?, ?, ?, ?, ?)",
                ["u-1", "kim", "operator", "x", START],
            ),
        ]
    )
    # a null value and a NaN survive the trip
    (sid,) = store.register_signals([SignalKey("cnc-01", "odd")]).values()
    store.write_samples(
        pa.table(
            {
                "signal_id": pa.array([sid, sid], pa.int32()),
                "ts": pa.array([START, START + timedelta(seconds=1)], pa.timestamp("us", "UTC")),
                "value": pa.array([None, float("nan")], pa.float64()),
            }
        )
    )
    return store


def _fingerprint(store: DuckDBStore | PostgresStore) -> dict[str, tuple[int, int]]:
    out = {}
    for table in TABLES:
        parts = [p if isinstance(p, pa.Table) else pa.Table.from_batches([p])
                 for p in scan(store, table)]  # fmt: skip
        out[table] = (sum(p.num_rows for p in parts), sum(checksum(p) for p in parts) % 2**64)
    return out


def test_duckdb_postgres_duckdb_round_trip(tmp_path: Path, schema: str) -> None:
    source = _plant_store(tmp_path / "a.duckdb")
    try:
        first = export_store(source, tmp_path / "x1")
        want = _fingerprint(source)
    finally:
        source.close()
    assert first.rows["samples"] > 1000 and first.rows["states"] > 10
    assert all(first.rows[t] > 0 for t in ("counts", "events", "orders", "work_orders"))
    pg = PostgresStore(PG_DSN, schema=schema)
    try:
        import_store(tmp_path / "x1", pg, batch_rows=5_000)
        assert _fingerprint(pg) == want
        export_store(pg, tmp_path / "x2", batch_rows=7_000)
    finally:
        pg.close()
    back = DuckDBStore(tmp_path / "b.duckdb")
    try:
        summary = import_store(tmp_path / "x2", back)
        assert _fingerprint(back) == want
        assert summary.checksums == first.checksums
        wo = back.query("SELECT parts FROM work_orders WHERE id = 'wo-1'")
        assert wo == [('["bearing"]',)]
        assert back.query("SELECT payload FROM quarantine") == [(b"\x00\xff",)]
    finally:
        back.close()
    manifest = json.loads((tmp_path / "x2" / "manifest.json").read_text())
    assert manifest["tables"]["samples"]["rows"] == first.rows["samples"]


def test_verification_catches_a_difference_and_the_cli_round_trip(tmp_path: Path) -> None:
    source = _plant_store(tmp_path / "a.duckdb")
    source.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["export", str(tmp_path / "x"), "--store", str(tmp_path / "a.duckdb")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["import-store", str(tmp_path / "x"), "--store", str(tmp_path / "b.duckdb"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"]["samples"] > 1000
    # importing again into the now non-empty store: rows are idempotent, so it still verifies
    again = DuckDBStore(tmp_path / "b.duckdb")
    try:
        again.execute(
            "INSERT INTO users (id, username, role, password_hash, created) VALUES (?, ?, ?, ?, ?)",
            ["u-2", "lee", "operator", "x", START],
        )
        with pytest.raises(DataError, match="users"):
            import_store(tmp_path / "x", again)
    finally:
        again.close()
