"""Fixtures for the store contract suite: one parametrised ``store`` per backend.

A backend is listed in ``BACKENDS`` with a function that opens it at a test's private
location; opening it again at the same location must see the same data (persistence tests
use ``reopen``). ``CLEANUPS`` names, per backend, what removes that location afterwards.

The PostgreSQL backend uses the server at ``SF_TEST_DATABASE`` (default
``postgresql://postgres@127.0.0.1:5432/test``) with a private schema per test, dropped after
it. When the server cannot be reached its tests are skipped, except under ``CI=true``, where
they fail.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import psycopg
import pytest

from smartfactory.store import DuckDBStore, PostgresStore, Store

PG_DSN = os.environ.get("SF_TEST_DATABASE", "postgresql://postgres@127.0.0.1:5432/test")


def _open_duckdb(tmp_path: Path) -> Store:
    return DuckDBStore(tmp_path / "plant.duckdb")


@cache
def _postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return None
    except psycopg.Error as err:
        return f"PostgreSQL at {PG_DSN} is unreachable: {err}"


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is unreachable (fail it under CI=true)."""
    why = _postgres_unreachable()
    if why is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def pg_schema(tmp_path: Path) -> str:
    """A schema name private to this test's location."""
    return "sf_test_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]  # noqa: S324


def _open_postgres(tmp_path: Path) -> Store:
    require_postgres()
    return PostgresStore(PG_DSN, schema=pg_schema(tmp_path))


def _drop_postgres(tmp_path: Path) -> None:
    if _postgres_unreachable() is not None:
        return
    with psycopg.connect(PG_DSN, connect_timeout=3, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {pg_schema(tmp_path)} CASCADE")


BACKENDS: dict[str, Callable[[Path], Store]] = {
    "duckdb": _open_duckdb,
    "postgres": _open_postgres,
}
CLEANUPS: dict[str, Callable[[Path], None]] = {"postgres": _drop_postgres}


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Open the backend at this test's location; every store opened is closed at teardown."""
    opened: list[Store] = []

    def open_() -> Store:
        store = BACKENDS[request.param](tmp_path)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()
    cleanup = CLEANUPS.get(request.param)
    if cleanup is not None:
        cleanup(tmp_path)


@pytest.fixture
def store(reopen: Callable[[], Store]) -> Store:
    """A fresh, empty store of each backend."""
    return reopen()
