"""The durable quarantine: batched writes, trimming with exact counts, list/counts/clear.

Run against both backends (PostgreSQL is skipped when unreachable, failed under CI=true).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from smartfactory.connectors import quarantine as repo
from smartfactory.connectors.quarantine import Quarantine, Reason
from smartfactory.store import DuckDBStore, PostgresStore, Store

PG_DSN = os.environ.get("SF_TEST_DATABASE", "postgresql://postgres@127.0.0.1:5432/test")


def _pg(tmp_path: Path) -> Iterator[Store]:
    schema = "sf_test_q" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:14]  # noqa: S324
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            pass
    except psycopg.Error as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable: {err}")
    store = PostgresStore(PG_DSN, schema=schema)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_DSN, connect_timeout=3, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["duckdb", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        yield from _pg(tmp_path)
        return
    store = DuckDBStore(tmp_path / "q.duckdb")
    yield store
    store.close()


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_batched_writes_trim_and_exact_counts(db: Store) -> None:
    q = Quarantine(limit=50, store=db, store_rows=10, clock=_Clock())
    for i in range(25):
        q.add(
            "mqtt:p/m1" if i % 2 else "sparkplug:g/e1", Reason.MALFORMED, f"d{i}", bytes([i, 255])
        )
    assert q.pending() == 25 and not repo.entries(db)  # nothing written before flush
    assert q.flush() == 25 and q.pending() == 0
    kept = repo.entries(db, limit=100)
    assert [e.detail for e in kept] == [f"d{i}" for i in range(24, 14, -1)]  # newest 10
    assert kept[0].payload == bytes([24, 255]) and kept[0].reason is Reason.MALFORMED
    counts = {(c.source, c.reason): (c.count, c.kept) for c in repo.counts(db)}
    assert counts == {("mqtt:p/m1", "malformed"): (12, 5), ("sparkplug:g/e1", "malformed"): (13, 5)}
    for i in range(5):
        q.add("mqtt:p/m1", Reason.OVERSIZED, f"big{i}", b"x" * 10)
    q.flush()
    totals = {(c.source, c.reason): c.count for c in repo.counts(db)}
    assert sum(totals.values()) == 30  # trimming twice keeps the counts exact
    page = repo.entries(db, source="mqtt", limit=3, offset=1)
    assert [e.detail for e in page] == ["big3", "big2", "big1"]
    assert [e.detail for e in repo.entries(db, reason="oversized", limit=1)] == ["big4"]
    assert repo.clear(db, reason="oversized") == 5
    assert {c.reason for c in repo.counts(db)} == {"malformed"}
    repo.clear(db)
    assert repo.counts(db) == [] and repo.entries(db) == []


class _DownStore:
    """A store whose record writes fail until ``up`` is set."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.up = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def execute_all(self, statements: object) -> list[int]:
        if not self.up:
            raise OSError("store down")
        return self.inner.execute_all(statements)  # type: ignore[arg-type]


def test_a_failing_store_keeps_a_bounded_queue_and_counts_the_overflow(db: Store) -> None:
    down = _DownStore(db)
    q = Quarantine(limit=4, store=down, clock=_Clock())  # type: ignore[arg-type]
    for i in range(7):
        q.add("s", Reason.NOT_FINITE, f"n{i}", b"nan")
    assert q.flush() == 0 and q.flush_failures == 1 and q.pending() == 4
    down.up = True
    assert q.flush() == 4
    assert [c.count for c in repo.counts(db)] == [7]  # 3 pushed out of the queue, still counted
    assert [e.detail for e in repo.entries(db)] == ["n6", "n5", "n4", "n3"]
