"""Tables of the PostgreSQL store, the versioned migrations that create them, and partitions.

Migrations are a small versioned list of SQL statements (Alembic is the long-term plan; see
``docs/server.md``). Each is applied once, in order, in its own transaction, and recorded in
``schema_version``; a transaction-level advisory lock makes concurrent openers (an ingest and
an API process starting together) apply them one at a time. A database written by a newer
smartfactory is refused instead of guessed at.

``samples`` is range-partitioned by ``ts`` into one partition per UTC day, named
``samples_YYYYMMDD``; its primary key ``(signal_id, ts)`` (created on every partition) makes
``INSERT ... ON CONFLICT DO NOTHING`` idempotent, and a BRIN index on ``ts`` serves range
scans. Partitions are created on demand by the writer (:func:`ensure_partitions`) and dropped
whole by retention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg import sql

from smartfactory.errors import StoreError
from smartfactory.store.records import RECORD_TABLES

__all__ = [
    "MIGRATIONS",
    "Migration",
    "ensure_partitions",
    "migrate",
    "partition_name",
    "stored_partitions",
]

_MIGRATE_LOCK = 0x5346_0001  # advisory lock keys ("SF" + a number), per database
PARTITION_LOCK = 0x5346_0002
_PARTITION = re.compile(r"^samples_(\d{8})$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version number, a short description and its DDL statements."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "time series and production tables",
        (
            """CREATE TABLE signals (
                signal_id integer PRIMARY KEY,
                machine text NOT NULL,
                name text NOT NULL,
                unit text NOT NULL DEFAULT '',
                kind text NOT NULL DEFAULT 'analog',
                UNIQUE (machine, name)
            )""",
            """CREATE TABLE samples (
                signal_id integer NOT NULL,
                ts timestamptz NOT NULL,
                value double precision,
                PRIMARY KEY (signal_id, ts)
            ) PARTITION BY RANGE (ts)""",
            "CREATE INDEX samples_ts_brin ON samples USING brin (ts)",
            """CREATE TABLE states (
                machine text NOT NULL,
                start timestamptz NOT NULL,
                "end" timestamptz,
                state smallint NOT NULL,
                reason text,
                order_id text,
                product text,
                PRIMARY KEY (machine, start)
            )""",
            """CREATE TABLE counts (
                machine text NOT NULL,
                ts timestamptz NOT NULL,
                good integer NOT NULL,
                scrap integer NOT NULL,
                PRIMARY KEY (machine, ts)
            )""",
            "CREATE INDEX counts_ts_brin ON counts USING brin (ts)",
            """CREATE TABLE events (
                ts timestamptz NOT NULL,
                kind text NOT NULL,
                source text NOT NULL,
                message text NOT NULL DEFAULT '',
                data jsonb NOT NULL DEFAULT '{}',
                PRIMARY KEY (ts, kind, source)
            )""",
            """CREATE TABLE orders (
                id text PRIMARY KEY,
                product text,
                quantity integer,
                release timestamptz,
                due timestamptz,
                status text,
                good integer,
                scrap integer,
                finished timestamptz
            )""",
            "CREATE INDEX orders_status ON orders (status)",
        ),
    ),
    Migration(
        2,
        "record tables: work orders, decisions, audit log, users, sessions, tokens, models,"
        " plans, quarantine",
        RECORD_TABLES,
    ),
)


def migrate(con: psycopg.Connection[tuple[object, ...]], schema: str) -> int:
    """Create ``schema`` if needed and apply every newer migration; return the final version.

    ``con`` must be in autocommit mode with ``search_path`` set to ``schema``. Raises
    StoreError when the database was written by a newer schema than this code knows.
    """
    latest = MIGRATIONS[-1].version
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATE_LOCK])
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
            " description text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
        )
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        current = int(str(row[0])) if row is not None else 0
        if current > latest:
            msg = f"database schema version {current} is newer than this smartfactory ({latest})"
            raise StoreError(msg)
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            for statement in migration.statements:
                con.execute(statement.encode())
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                [migration.version, migration.description],
            )
    return latest


def partition_name(day: date) -> str:
    """Name of the partition of ``samples`` holding this UTC day."""
    return f"samples_{day:%Y%m%d}"


def stored_partitions(con: psycopg.Connection[tuple[object, ...]]) -> set[date]:
    """The UTC days that have a partition of ``samples`` (by name)."""
    rows = con.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'samples'::regclass"
    ).fetchall()
    days: set[date] = set()
    for (name,) in rows:
        match = _PARTITION.match(str(name))
        if match:
            days.add(datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC).date())
    return days


def ensure_partitions(
    con: psycopg.Connection[tuple[object, ...]], days: Iterable[date], known: set[date]
) -> None:
    """Create the missing daily partitions of ``samples`` for ``days``; add them to ``known``.

    Runs inside the caller's transaction; an advisory lock serialises creation between
    processes, and ``IF NOT EXISTS`` semantics come from re-reading the catalogue under it.
    """
    wanted = sorted(set(days) - known)
    if not wanted:
        return
    con.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
    known |= stored_partitions(con)
    for day in wanted:
        if day in known:
            continue
        lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
        con.execute(
            sql.SQL("CREATE TABLE {} PARTITION OF samples FOR VALUES FROM ({}) TO ({})").format(
                sql.Identifier(partition_name(day)),
                sql.Literal(lo),
                sql.Literal(lo + timedelta(days=1)),
            )
        )
        known.add(day)
