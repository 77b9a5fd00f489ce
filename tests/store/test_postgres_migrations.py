"""Alembic migrations of the PostgreSQL store: adoption, refusal, pending list, views' codes."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from smartfactory.domain.states import STATE_CATEGORY, MachineState, in_planned_busy_time
from smartfactory.errors import StoreError
from smartfactory.store import PostgresStore, SignalKey
from smartfactory.store.postgres import schema as ddl
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

_V = "smartfactory.store.postgres.migrations.versions."


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _connect(schema: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG_DSN, autocommit=True, options=f"-c search_path={schema}")


def test_revisions_constant_matches_the_script_directory() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(ddl.SCRIPT_LOCATION))
    script = ScriptDirectory.from_config(cfg)
    walked = [r.revision for r in script.walk_revisions()]
    assert tuple(reversed(walked)) == ddl.REVISIONS
    assert script.get_current_head() == ddl.HEAD


def test_state_codes_of_the_views_match_the_domain() -> None:
    views = importlib.import_module(_V + "0004_views")
    domain = tuple(
        (int(s), s.label, STATE_CATEGORY[s].value, in_planned_busy_time(s)) for s in MachineState
    )
    assert domain == views.STATE_CODES


def test_hand_rolled_database_is_adopted_and_upgraded(schema: str) -> None:
    """A schema made by the old migration list (schema_version 1, 2) keeps its data."""
    first = importlib.import_module(_V + "0001_timeseries")
    records = importlib.import_module(_V + "0002_records")
    with _connect(schema) as con, con.transaction():
        con.execute(f"CREATE SCHEMA {schema}")
        for statement in (*first.STATEMENTS, *records.RECORD_TABLES):
            con.execute(statement.encode())
        con.execute(
            "CREATE TABLE schema_version (version integer PRIMARY KEY,"
            " description text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
        )
        con.execute("INSERT INTO schema_version VALUES (1, 'a'), (2, 'b')")
        con.execute("INSERT INTO signals VALUES (1, 'm', 't', '', 'analog')")
        con.execute(
            "CREATE TABLE samples_20240301 PARTITION OF samples"
            " FOR VALUES FROM ('2024-03-01 00:00+00') TO ('2024-03-02 00:00+00')"
        )
        con.execute(
            "INSERT INTO samples SELECT 1, '2024-03-01 00:00+00'::timestamptz"
            " + i * interval '1 second', i FROM generate_series(0, 179) i"
        )
    with _connect(schema) as con:
        assert ddl.current_revision(con, schema) == "0002"
        assert ddl.pending(con, schema) == ["0003", "0004"]
    store = PostgresStore(PG_DSN, schema=schema)
    try:
        day = datetime(2024, 3, 1, tzinfo=UTC)
        agg = store.aggregate_samples(
            [1], day, datetime(2024, 3, 2, tzinfo=UTC), timedelta(minutes=1)
        )
        assert agg.column("n").to_pylist() == [60, 60, 60]  # back-filled roll-up
        assert store.register_signals([SignalKey("m", "t")]) == {("m", "t"): 1}
    finally:
        store.close()
    with _connect(schema) as con:
        assert ddl.current_revision(con, schema) == ddl.HEAD
        assert ddl.pending(con, schema) == []
        marks = con.execute("SELECT max(version) FROM schema_version").fetchone()
        assert marks == (3,)  # an older smartfactory now refuses this database


def test_newer_hand_rolled_version_and_unmigrated_open_are_refused(schema: str) -> None:
    with _connect(schema) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        assert ddl.pending(con, schema) == list(ddl.REVISIONS)
    with pytest.raises(StoreError, match="smartfactory migrate"):
        PostgresStore(PG_DSN, schema=schema, migrate=False)
    with _connect(schema) as con:
        con.execute("CREATE TABLE schema_version (version integer PRIMARY KEY)")
        con.execute("INSERT INTO schema_version VALUES (7)")
    with pytest.raises(StoreError, match="newer"):
        PostgresStore(PG_DSN, schema=schema)


def test_views_exist_and_answer(schema: str) -> None:
    PostgresStore(PG_DSN, schema=schema).close()
    with _connect(schema) as con:
        for view in ("v_signals", "v_signal_1m", "v_signal_1h", "v_states", "v_counts_hourly",
                     "v_oee_hourly", "v_work_orders", "v_decisions"):  # fmt: skip
            con.execute(f"SELECT * FROM {view} LIMIT 1".encode()).fetchall()


def test_migrate_command_checks_then_applies(schema: str) -> None:
    from typer.testing import CliRunner

    from smartfactory.cli.main import app

    runner = CliRunner()
    args = ["migrate", "--database", PG_DSN, "--schema", schema, "--json"]
    result = runner.invoke(app, [*args, "--check"])
    assert result.exit_code == 1, result.output
    assert '"pending": ["0001", "0002", "0003", "0004"]' in result.output
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"applied": ["0001", "0002", "0003", "0004"]' in result.output
    result = runner.invoke(app, [*args, "--check"])
    assert result.exit_code == 0, result.output
    assert '"pending": []' in result.output
