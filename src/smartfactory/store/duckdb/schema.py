"""Tables of the DuckDB store and the versioned migrations that create them.

Each migration is applied once, in order, inside its own transaction, and recorded in the
``schema_version`` table; opening a file written by a newer smartfactory (a version this code
does not know) is refused instead of guessed at.

Design notes:

* Timestamps are ``TIMESTAMPTZ`` (microseconds since the epoch, UTC); the connection's time
  zone is set to UTC so Arrow results come back as ``timestamp[us, tz=UTC]``. Bucketing uses
  integer arithmetic on ``epoch_us(ts)``. Measured on 100 M samples, 2 cores, DuckDB 2.0.1:
  1-minute buckets by ``time_bucket`` on ``TIMESTAMPTZ`` 2.5 s, by ``epoch_us`` arithmetic
  1.1 s; storing ``TIMESTAMP`` or ``BIGINT`` instead was no faster with the integer
  arithmetic (0.21 / 0.21 / 0.20 s at 20 M), so the typed, time-zone-aware column stays.
  Buckets of whole minutes now read the roll-up below instead: 0.2-0.5 s at 100 M samples
  (raw scan 3.0-3.2 s on the same loaded machine), for about 20 % of the append rate.
* ``samples`` and ``counts`` deliberately have no primary key: appending to an ART index is
  the slowest part of an insert, so idempotence is enforced by the writer (watermarks plus an
  anti-join, see :mod:`smartfactory.store.duckdb.timeseries`). The low-volume tables use
  primary keys and ``INSERT OR REPLACE`` / ``INSERT OR IGNORE``.
* ``events.data``, ``decisions.data`` hold JSON text (VARCHAR), portable to PostgreSQL.
* Version 4 holds the record tables shared with PostgreSQL
  (:mod:`smartfactory.store.records`).
* ``samples_1m`` (version 3) is the 1-minute roll-up of ``samples``, one row per signal and
  minute (``bucket_us``: the minute's start in epoch microseconds), kept equal to the raw
  table by the writer; see :mod:`smartfactory.store.duckdb.rollup`. Like ``samples`` it has
  no key index. Migrating a version-2 file back-fills it from the stored samples (one
  ``GROUP BY`` pass: about 4 s for 100 M samples on 2 cores).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from smartfactory.errors import StoreError
from smartfactory.store.duckdb import rollup
from smartfactory.store.records import RECORD_TABLES

__all__ = ["MIGRATIONS", "Migration", "migrate", "schema_version"]


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
                signal_id INTEGER PRIMARY KEY,
                machine VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                unit VARCHAR NOT NULL DEFAULT '',
                kind VARCHAR NOT NULL DEFAULT 'analog',
                UNIQUE (machine, name)
            )""",
            """CREATE TABLE samples (
                signal_id INTEGER NOT NULL,
                ts TIMESTAMPTZ NOT NULL,
                value DOUBLE
            )""",
            """CREATE TABLE states (
                machine VARCHAR NOT NULL,
                start TIMESTAMPTZ NOT NULL,
                "end" TIMESTAMPTZ,
                state TINYINT NOT NULL,
                reason VARCHAR,
                order_id VARCHAR,
                product VARCHAR,
                PRIMARY KEY (machine, start)
            )""",
            """CREATE TABLE counts (
                machine VARCHAR NOT NULL,
                ts TIMESTAMPTZ NOT NULL,
                good INTEGER NOT NULL,
                scrap INTEGER NOT NULL
            )""",
            """CREATE TABLE events (
                ts TIMESTAMPTZ NOT NULL,
                kind VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                message VARCHAR NOT NULL DEFAULT '',
                data VARCHAR NOT NULL DEFAULT '{}',
                PRIMARY KEY (ts, kind, source)
            )""",
            """CREATE TABLE orders (
                id VARCHAR PRIMARY KEY,
                product VARCHAR,
                quantity INTEGER,
                release TIMESTAMPTZ,
                due TIMESTAMPTZ,
                status VARCHAR,
                good INTEGER,
                scrap INTEGER,
                finished TIMESTAMPTZ
            )""",
        ),
    ),
    Migration(
        2,
        "maintenance work orders, decisions and users",
        (
            """CREATE TABLE work_orders (
                id VARCHAR PRIMARY KEY,
                machine VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                status VARCHAR NOT NULL,
                created TIMESTAMPTZ NOT NULL,
                due TIMESTAMPTZ,
                assignee VARCHAR,
                notes VARCHAR NOT NULL DEFAULT '',
                failure_mode VARCHAR,
                closed TIMESTAMPTZ
            )""",
            """CREATE TABLE decisions (
                id VARCHAR PRIMARY KEY,
                ts TIMESTAMPTZ NOT NULL,
                kind VARCHAR NOT NULL,
                machine VARCHAR,
                status VARCHAR NOT NULL,
                explanation_en VARCHAR NOT NULL DEFAULT '',
                explanation_ko VARCHAR NOT NULL DEFAULT '',
                data VARCHAR NOT NULL DEFAULT '{}'
            )""",
            """CREATE TABLE users (
                id VARCHAR PRIMARY KEY,
                username VARCHAR NOT NULL UNIQUE,
                role VARCHAR NOT NULL,
                password_hash VARCHAR NOT NULL,
                created TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "1-minute roll-up of samples (continuous aggregate), back-filled",
        (
            f"""CREATE TABLE {rollup.TABLE} (
                signal_id INTEGER NOT NULL,
                bucket_us BIGINT NOT NULL,
                n BIGINT NOT NULL,
                nv BIGINT NOT NULL,
                total DOUBLE,
                lo DOUBLE,
                hi DOUBLE
            )""",
            rollup.BACKFILL,
        ),
    ),
    Migration(
        4,
        "record tables: work orders, decisions, audit log, users, sessions, tokens, models,"
        " plans, quarantine",
        (
            # the version-2 drafts of these tables were never written by any release
            "DROP TABLE work_orders",
            "DROP TABLE decisions",
            "DROP TABLE users",
            *RECORD_TABLES,
        ),
    ),
)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the highest migration applied to this database, 0 for a new one."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
        "applied TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the database's version; return the final version.

    Raises StoreError when the database was written by a newer schema than this code knows.
    """
    current = schema_version(con)
    latest = MIGRATIONS[-1].version
    if current > latest:
        msg = f"database schema version {current} is newer than this smartfactory ({latest})"
        raise StoreError(msg)
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in migration.statements:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [migration.version, migration.description],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return latest
