"""The audit log on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartfactory.store import Store
from smartfactory.store.audit import entries, entry, record

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_record_and_read_newest_first(store: Store) -> None:
    record(store, "kim", "work_order.close", "WO-1", {"failure_mode": "bearing"}, ts=T0)
    record(store, "system", "decision.apply", "D-7", ts=T0 + timedelta(minutes=5))
    record(store, "lee", "user.create", "park", ts=T0 + timedelta(minutes=9))
    got = entries(store)
    assert [e.action for e in got] == ["user.create", "decision.apply", "work_order.close"]
    assert got[2].data == {"failure_mode": "bearing"}
    assert got[2].ts == T0
    assert [e.target for e in entries(store, target="WO-1")] == ["WO-1"]
    assert len(entries(store, since=T0 + timedelta(minutes=1))) == 2
    assert [e.actor for e in entries(store, limit=1, offset=1)] == ["system"]


def test_entry_joins_a_transaction(store: Store) -> None:
    store.execute_all([entry("kim", "a", "x", ts=T0), entry("kim", "b", "y", ts=T0)])
    assert sorted(e.action for e in entries(store)) == ["a", "b"]
