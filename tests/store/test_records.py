"""The record tables through portable SQL, on every backend (Store.query / execute)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from smartfactory.errors import StoreError
from smartfactory.store import Store
from smartfactory.store.records import to_pyformat

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _insert_work_order(store: Store, wo_id: str, status: str = "open") -> int:
    return store.execute(
        "INSERT INTO work_orders (id, machine, kind, status, created, updated, parts)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [wo_id, "CNC-01", "preventive", status, T0, T0, json.dumps(["bearing 6204"])],
    )


def test_insert_query_round_trip(store: Store) -> None:
    assert _insert_work_order(store, "WO-1") == 1
    rows = store.query(
        "SELECT id, machine, status, created, parts, time_spent_h, closed FROM work_orders"
        " WHERE machine = ?",
        ["CNC-01"],
    )
    assert rows == [("WO-1", "CNC-01", "open", T0, '["bearing 6204"]', 0.0, None)]
    assert rows[0][3].tzinfo is not None


def test_update_counts_changed_rows(store: Store) -> None:
    _insert_work_order(store, "WO-1")
    _insert_work_order(store, "WO-2")
    assert store.execute("UPDATE work_orders SET status = ? WHERE id = ?", ["done", "WO-2"]) == 1
    assert store.execute("UPDATE work_orders SET status = ? WHERE id = ?", ["done", "none"]) == 0
    statuses = store.query("SELECT id, status FROM work_orders ORDER BY id")
    assert statuses == [("WO-1", "open"), ("WO-2", "done")]


def test_upsert_on_conflict(store: Store) -> None:
    statement = (
        "INSERT INTO plans (id, created, kind, status, data) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data"
    )
    store.execute(statement, ["P1", T0, "production", "draft", "{}"])
    store.execute(statement, ["P1", T0, "production", "active", '{"ops": 3}'])
    assert store.query("SELECT status, data FROM plans") == [("active", '{"ops": 3}')]


def test_execute_all_is_atomic(store: Store) -> None:
    _insert_work_order(store, "WO-1")
    with pytest.raises(StoreError):
        store.execute_all(
            [
                ("UPDATE work_orders SET status = ? WHERE id = ?", ["done", "WO-1"]),
                (  # duplicate primary key: the whole batch must roll back
                    "INSERT INTO work_orders (id, machine, kind, status, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    ["WO-1", "X", "y", "open", T0, T0],
                ),
            ]
        )
    assert store.query("SELECT status FROM work_orders") == [("open",)]
    changed = store.execute_all(
        [
            ("UPDATE work_orders SET status = ? WHERE id = ?", ["done", "WO-1"]),
            (
                "INSERT INTO audit_log (id, ts, actor, action, target) VALUES (?, ?, ?, ?, ?)",
                ["A1", T0, "kim", "close", "WO-1"],
            ),
        ]
    )
    assert changed == [1, 1]


def test_bytes_and_booleans(store: Store) -> None:
    raw = b"\x00\xffnot json{"
    store.execute(
        "INSERT INTO quarantine (id, ts, source, reason, detail, payload)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ["Q1", T0, "mqtt", "malformed_json", "Expecting value: line 1", raw],
    )
    (payload,) = store.query("SELECT payload FROM quarantine WHERE id = ?", ["Q1"])[0]
    assert bytes(payload) == raw
    store.execute(
        "INSERT INTO users (id, username, role, password_hash, created) VALUES (?, ?, ?, ?, ?)",
        ["U1", "kim", "admin", "$argon2id$...", T0],
    )
    assert store.query("SELECT disabled, locale FROM users") == [(False, "en")]


def test_records_survive_reopen(reopen: Callable[[], Store]) -> None:
    store = reopen()
    _insert_work_order(store, "WO-9")
    store.close()
    again = reopen()
    assert again.query("SELECT id FROM work_orders") == [("WO-9",)]
    later = T0 + timedelta(days=1)
    assert again.query("SELECT count(*) FROM work_orders WHERE created < ?", [later]) == [(1,)]


def test_to_pyformat_escapes_percent() -> None:
    assert to_pyformat("SELECT ? WHERE a LIKE 'x%'") == "SELECT %s WHERE a LIKE 'x%%'"
