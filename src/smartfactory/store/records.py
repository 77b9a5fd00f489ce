"""Tables of the plant's records, shared by both backends, and the portable-SQL rules.

Records are the low-volume, human-scale entities beside the time series: maintenance work
orders, decisions, the audit log, users with their sessions and API tokens, versions of
trained models, production plans and quarantined input. Each area keeps its own repository
module (``decisions/workorders.py``, ``api/auth/...``, ``connectors/quarantine.py``, ...) that
reads and writes these tables through :meth:`Store.query` / :meth:`Store.execute` /
:meth:`Store.execute_all` with *portable SQL*:

* placeholders are ``?`` (translated for PostgreSQL by :func:`to_pyformat`); a statement
  never contains a literal ``?`` of its own;
* types are the ones both databases spell the same way (``VARCHAR``, ``TEXT``, ``INTEGER``,
  ``BIGINT``, ``FLOAT8``, ``BOOLEAN``, ``TIMESTAMPTZ``, ``BYTEA``);
* JSON is stored as ``TEXT`` (the repository encodes and decodes it), so both backends give
  back the same Python values; timestamps are timezone-aware UTC ``datetime``;
* upserts use ``INSERT ... ON CONFLICT (...) DO UPDATE SET ...``, which both understand.

The DDL below is applied by each backend's migrations (DuckDB version 4, PostgreSQL
version 2).
"""

from __future__ import annotations

__all__ = ["RECORD_TABLES", "to_pyformat"]

RECORD_TABLES: tuple[str, ...] = (
    """CREATE TABLE work_orders (
        id VARCHAR PRIMARY KEY,
        machine VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        title VARCHAR NOT NULL DEFAULT '',
        status VARCHAR NOT NULL,
        priority INTEGER NOT NULL DEFAULT 3,
        created TIMESTAMPTZ NOT NULL,
        updated TIMESTAMPTZ NOT NULL,
        due TIMESTAMPTZ,
        scheduled_start TIMESTAMPTZ,
        scheduled_end TIMESTAMPTZ,
        started TIMESTAMPTZ,
        closed TIMESTAMPTZ,
        assignee VARCHAR,
        parts TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        time_spent_h FLOAT8 NOT NULL DEFAULT 0,
        failure_mode VARCHAR,
        decision_id VARCHAR,
        created_by VARCHAR
    )""",
    "CREATE INDEX work_orders_machine ON work_orders (machine, status)",
    """CREATE TABLE decisions (
        id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        kind VARCHAR NOT NULL,
        scope VARCHAR NOT NULL DEFAULT '',
        machine VARCHAR,
        status VARCHAR NOT NULL,
        autonomy VARCHAR NOT NULL DEFAULT 'advise',
        explanation_en TEXT NOT NULL DEFAULT '',
        explanation_ko TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}',
        decided_by VARCHAR,
        decided_at TIMESTAMPTZ
    )""",
    "CREATE INDEX decisions_ts ON decisions (ts)",
    """CREATE TABLE audit_log (
        id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target VARCHAR NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX audit_log_ts ON audit_log (ts)",
    """CREATE TABLE users (
        id VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL UNIQUE,
        role VARCHAR NOT NULL,
        password_hash VARCHAR NOT NULL,
        display_name VARCHAR NOT NULL DEFAULT '',
        locale VARCHAR NOT NULL DEFAULT 'en',
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        created TIMESTAMPTZ NOT NULL,
        last_login TIMESTAMPTZ
    )""",
    """CREATE TABLE sessions (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        created TIMESTAMPTZ NOT NULL,
        expires TIMESTAMPTZ NOT NULL,
        csrf VARCHAR NOT NULL
    )""",
    """CREATE TABLE api_tokens (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        token_hash VARCHAR NOT NULL UNIQUE,
        created TIMESTAMPTZ NOT NULL,
        last_used TIMESTAMPTZ,
        revoked BOOLEAN NOT NULL DEFAULT FALSE
    )""",
    """CREATE TABLE model_versions (
        id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        scope VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        created TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        data_start TIMESTAMPTZ,
        data_end TIMESTAMPTZ,
        features TEXT NOT NULL DEFAULT '[]',
        params TEXT NOT NULL DEFAULT '{}',
        metrics TEXT NOT NULL DEFAULT '{}',
        code_version VARCHAR NOT NULL DEFAULT '',
        artifact VARCHAR NOT NULL DEFAULT '',
        UNIQUE (kind, scope, version)
    )""",
    """CREATE TABLE plans (
        id VARCHAR PRIMARY KEY,
        created TIMESTAMPTZ NOT NULL,
        kind VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE quarantine (
        id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        source VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        payload BYTEA
    )""",
    "CREATE INDEX quarantine_ts ON quarantine (ts)",
)
"""DDL of the record tables, identical for DuckDB and PostgreSQL."""


def to_pyformat(statement: str) -> str:
    """``statement`` with ``?`` placeholders rewritten as psycopg's ``%s`` (``%`` escaped)."""
    return statement.replace("%", "%%").replace("?", "%s")
