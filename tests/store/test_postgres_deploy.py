"""deploy/: the Grafana dashboard's queries run on the views; the read-only role can only read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from smartfactory.store import PostgresStore
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MACROS = (
    (re.compile(r"\$__timeFilter\((\w+)\)"), r"\1 > now() - interval '1 day'"),
    (re.compile(r"\$__timeFrom\(\)"), "now() - interval '1 day'"),
    (re.compile(r"\$__timeTo\(\)"), "now()"),
    (re.compile(r"\(\$machine\)"), "('cnc-01')"),
    (re.compile(r"\$machine_one"), "cnc-01"),
    (re.compile(r"\$signal"), "temp"),
)


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    require_postgres()
    name = pg_schema(tmp_path)
    PostgresStore(PG_DSN, schema=name).close()
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _queries() -> list[str]:
    board = json.loads((DEPLOY / "grafana" / "smartfactory.json").read_text(encoding="utf-8"))
    out = [t["rawSql"] for p in board["panels"] for t in p["targets"]]
    out += [v["query"] for v in board["templating"]["list"]]
    return out


def test_every_dashboard_query_runs_on_the_views(schema: str) -> None:
    queries = _queries()
    assert len(queries) >= 10
    with psycopg.connect(PG_DSN, options=f"-c search_path={schema}") as con:
        for query in queries:
            sql = query
            for pattern, replacement in MACROS:
                sql = pattern.sub(replacement, sql)
            assert "$" not in sql, sql
            con.execute(sql.encode()).fetchall()


def test_readonly_role_reads_views_but_not_secrets_and_cannot_write(schema: str) -> None:
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    role = f"sf_reader_{uuid.uuid4().hex[:8]}"
    host_dsn = PG_DSN
    try:
        for _ in range(2):  # idempotent
            subprocess.run(
                ["psql", host_dsn, "-q", "-v", f"role={role}", "-v", f"schema={schema}",
                 "-v", "password='pw'", "-f", str(DEPLOY / "sql" / "readonly-role.sql")],
                check=True, capture_output=True, timeout=60, env={**os.environ},
            )  # fmt: skip
        reader = PG_DSN.replace("postgres@", f"{role}:pw@", 1)
        with psycopg.connect(reader, autocommit=True) as con:
            con.execute("SELECT * FROM v_oee_hourly LIMIT 1").fetchall()
            con.execute("SELECT * FROM v_signals LIMIT 1").fetchall()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute("SELECT * FROM users")
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                con.execute("INSERT INTO machines VALUES ('x', '', '', '')")
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as con:
            con.execute(f"DROP OWNED BY {role}")
            con.execute(f"DROP ROLE IF EXISTS {role}")
