"""Migrations of the PostgreSQL store (Alembic) and the daily partitions of ``samples``.

**Migrations** are Alembic revisions shipped inside the package (script location
``smartfactory/store/postgres/migrations``, revisions ``0001``, ``0002``, ... in ``versions/``,
plain SQL through ``op.execute``); the version table ``alembic_version`` lives in the store's
schema. :func:`migrate` runs them in one transaction that first takes an advisory lock, so
concurrent migrators (an ingest and several API workers starting together) apply them once;
the others wait and then find nothing to do. A database at a revision this code does not know
(written by a newer smartfactory) is refused with StoreError instead of guessed at.

Databases created by the hand-rolled migrations of earlier versions (a ``schema_version`` table
holding version 1 or 2, which are revisions ``0001`` and ``0002``) are adopted: stamped at the
matching revision, then upgraded. After every migration ``schema_version`` holds a row with
version 3 ("continued in alembic_version"), so an older smartfactory refuses the database
instead of writing to tables it does not know.

Opening a store calls :func:`migrate` with ``fast=True``: one catalogue query, and Alembic is
only imported when the database is not at :data:`HEAD`.

``samples`` is range-partitioned by ``ts`` into one partition per UTC day, named
``samples_YYYYMMDD``; its primary key ``(signal_id, ts)`` (created on every partition) makes
``INSERT ... ON CONFLICT DO NOTHING`` idempotent, and a BRIN index on ``ts`` serves range
scans. Partitions are created on demand by the writer (:func:`ensure_partitions`) and dropped
whole by retention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from smartfactory.errors import StoreError

__all__ = [
    "HEAD",
    "REVISIONS",
    "current_revision",
    "ensure_partitions",
    "migrate",
    "partition_name",
    "pending",
    "stored_partitions",
]

_MIGRATE_LOCK = 0x5346_0001  # advisory lock keys ("SF" + a number), per database
PARTITION_LOCK = 0x5346_0002
_PARTITION = re.compile(r"^samples_(\d{8})$")
SCRIPT_LOCATION = Path(__file__).with_name("migrations")

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004")
"""Every revision shipped, oldest first (a test checks it against the script directory)."""
HEAD = REVISIONS[-1]
_LEGACY = {1: "0001", 2: "0002"}  # hand-rolled schema_version -> revision
_LEGACY_MARK = 3  # written to schema_version: "managed by Alembic from here on"

Con = psycopg.Connection[tuple[Any, ...]]


def current_revision(con: Con, schema: str) -> str | None:
    """The revision the database's ``schema`` is at, or None when it holds no store.

    A database of the hand-rolled migrations reports the revision it corresponds to. Raises
    StoreError when it was written by a newer smartfactory.
    """
    row = con.execute(
        "SELECT to_regclass(%s), to_regclass(%s)",
        [f"{schema}.alembic_version", f"{schema}.schema_version"],
    ).fetchone()
    if row is None:  # pragma: no cover - SELECT without FROM always returns a row
        return None
    if row[0] is not None:
        got = con.execute(
            sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))
        ).fetchone()
        revision = str(got[0]) if got is not None else None
        if revision is not None and revision not in REVISIONS:
            msg = (
                f"database schema {schema!r} is at revision {revision}, newer than this"
                f" smartfactory (head {HEAD}); upgrade smartfactory"
            )
            raise StoreError(msg)
        return revision
    if row[1] is not None:
        got = con.execute(
            sql.SQL("SELECT coalesce(max(version), 0) FROM {}.schema_version").format(
                sql.Identifier(schema)
            )
        ).fetchone()
        version = int(got[0]) if got is not None else 0
        if version > max(_LEGACY):
            msg = (
                f"database schema version {version} is newer than this smartfactory"
                f" (hand-rolled version {max(_LEGACY)}, revision {HEAD})"
            )
            raise StoreError(msg)
        return _LEGACY.get(version)
    return None


def pending(con: Con, schema: str) -> list[str]:
    """The revisions :func:`migrate` would apply to ``schema``, oldest first."""
    current = current_revision(con, schema)
    done = 0 if current is None else REVISIONS.index(current) + 1
    return list(REVISIONS[done:])


def migrate(connect: Callable[[], Con], schema: str, *, fast: bool = False) -> str:
    """Bring ``schema`` to :data:`HEAD`, creating it if needed; return the revision.

    ``connect`` opens a new connection to the database (the migration runs in a transaction
    of its own on it). With ``fast`` a database already
    at HEAD is recognised with one query and Alembic is not loaded. Raises StoreError for a
    database newer than this code or a failing migration (nothing is applied then).
    """
    if fast:
        with connect() as con:
            if current_revision(con, schema) == HEAD:
                return HEAD
    return _run_alembic(connect, schema)


def _run_alembic(connect: Callable[[], Con], schema: str) -> str:
    # Alembic and SQLAlchemy are imported here: opening a migrated store does not need them.
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415
    from sqlalchemy.pool import NullPool  # noqa: PLC0415

    def creator() -> Con:
        con = connect()
        con.autocommit = False
        return con

    engine = create_engine("postgresql+psycopg://", creator=creator, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            raw = conn.connection.dbapi_connection
            if raw is None:  # pragma: no cover - an open connection always has one
                msg = "the migration connection has no driver connection"
                raise StoreError(msg)
            current = current_revision(raw, schema)  # type: ignore[arg-type]
            cfg = Config()
            cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
            cfg.attributes["connection"] = conn
            cfg.attributes["schema"] = schema
            has_alembic = conn.execute(
                text("SELECT to_regclass(:t)"), {"t": f"{schema}.alembic_version"}
            ).scalar()
            if current is not None and has_alembic is None:
                command.stamp(cfg, current)  # adopt a hand-rolled database
            command.upgrade(cfg, "head")
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
                    " description text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO schema_version (version, description) VALUES"
                    " (:v, 'migrations continue in alembic_version') ON CONFLICT DO NOTHING"
                ),
                {"v": _LEGACY_MARK},
            )
    except SQLAlchemyError as err:
        msg = f"migrating PostgreSQL schema {schema!r} failed: {err}"
        raise StoreError(msg) from err
    except psycopg.Error as err:
        msg = f"migrating PostgreSQL schema {schema!r} failed: {err}"
        raise StoreError(msg) from err
    finally:
        engine.dispose()
    return HEAD


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
