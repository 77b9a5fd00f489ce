"""Work orders on every store backend: lifecycle, fields, notes, filters, labels, audit."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.decisions import workorders as wo
from smartfactory.decisions.workorders import (
    TRANSITIONS,
    FailureMode,
    Part,
    WorkOrderKind,
    WorkOrderStatus,
)
from smartfactory.errors import DataError, InvalidTransitionError, NotFoundError
from smartfactory.store import DuckDBStore, Store
from smartfactory.store.audit import entries
from tests.store import conftest as backends

# the store of every backend (DuckDB, PostgreSQL), as in tests/store
reopen = backends.reopen
store = backends.store
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _new(store: Store, **kw: object) -> wo.WorkOrder:
    args: dict[str, object] = {
        "machine": "cnc-03",
        "kind": "corrective",
        "title": "Spindle noise",
        "actor": "kim",
        "now": T0,
    }
    args.update(kw)
    return wo.create(store, **args)  # type: ignore[arg-type]


def test_full_lifecycle_with_audit(store: Store) -> None:
    order = _new(store, priority=2, parts=[Part("bearing 6205", 2)], assignee="park")
    assert order.status is WorkOrderStatus.OPEN and order.created_by == "kim"
    assert order.parts == (Part("bearing 6205", 2.0),)
    order = wo.schedule(store, order.id, T0 + 20 * H, T0 + 22 * H, actor="lee", now=T0 + H)
    assert order.status is WorkOrderStatus.SCHEDULED
    assert order.scheduled_start == T0 + 20 * H
    order = wo.start(store, order.id, actor="park", now=T0 + 20 * H)
    assert order.started == T0 + 20 * H
    order = wo.close(
        store, order.id, "bearing_wear", actor="park", now=T0 + 22 * H, time_spent_h=1.5,
        note="replaced both bearings",
    )  # fmt: skip
    assert order.status is WorkOrderStatus.DONE
    assert order.failure_mode is FailureMode.BEARING_WEAR
    assert order.time_spent_h == 1.5 and order.closed == T0 + 22 * H
    assert order.notes[-1].text == "replaced both bearings"
    actions = [e.action for e in entries(store, target=order.id)]
    assert actions == [
        "work_order.done",
        "work_order.in_progress",
        "work_order.scheduled",
        "work_order.create",
    ]
    assert entries(store, target=order.id)[0].actor == "park"


def test_created_with_window_is_scheduled(store: Store) -> None:
    order = _new(store, scheduled_start=T0 + H, scheduled_end=T0 + 3 * H, kind="preventive")
    assert order.status is WorkOrderStatus.SCHEDULED and order.kind is WorkOrderKind.PREVENTIVE


def test_illegal_transitions_are_refused(store: Store) -> None:
    order = _new(store)
    with pytest.raises(InvalidTransitionError, match="cannot go from open to done"):
        wo.close(store, order.id, "none_found", actor="kim", now=T0)
    wo.cancel(store, order.id, actor="kim", now=T0, reason="duplicate")
    with pytest.raises(InvalidTransitionError, match="final"):
        wo.start(store, order.id, actor="kim", now=T0)
    with pytest.raises(InvalidTransitionError):
        wo.update(store, order.id, actor="kim", now=T0, title="x")
    got = wo.get(store, order.id)
    assert got.status is WorkOrderStatus.CANCELLED and got.notes[-1].text == "duplicate"


def test_validation_errors(store: Store) -> None:
    with pytest.raises(DataError, match="kind"):
        _new(store, kind="magic")
    with pytest.raises(DataError, match="priority"):
        _new(store, priority=9)
    with pytest.raises(DataError, match="both"):
        _new(store, scheduled_start=T0)
    with pytest.raises(DataError, match="quantity"):
        _new(store, parts=[Part("x", 0)])
    order = _new(store)
    with pytest.raises(DataError, match="window"):
        wo.transition(store, order.id, "scheduled", actor="kim", now=T0)
    wo.start(store, order.id, actor="kim", now=T0)
    with pytest.raises(DataError, match="failure mode"):
        wo.transition(store, order.id, "done", actor="kim", now=T0)
    with pytest.raises(DataError, match="unknown failure mode"):
        wo.close(store, order.id, "gremlins", actor="kim", now=T0)
    with pytest.raises(NotFoundError):
        wo.get(store, "WO-NOPE")


def test_update_fields_and_notes_are_append_only(store: Store) -> None:
    order = _new(store)
    order = wo.update(
        store, order.id, actor="lee", now=T0 + H, title="Spindle noise, axis Z", priority=1,
        due=T0 + 48 * H, assignee="choi", parts=[Part("grease", 0.5)], time_spent_h=0.25,
    )  # fmt: skip
    assert (order.title, order.priority, order.assignee) == ("Spindle noise, axis Z", 1, "choi")
    assert order.due == T0 + 48 * H and order.parts == (Part("grease", 0.5),)
    order = wo.update(store, order.id, actor="lee", now=T0 + H, assignee=None, due=None)
    assert order.assignee is None and order.due is None and order.priority == 1
    wo.add_note(store, order.id, "heard at 3000 rpm", actor="kim", now=T0 + 2 * H)
    order = wo.add_note(store, order.id, "checked oil", actor="lee", now=T0 + 3 * H)
    assert [(n.author, n.text) for n in order.notes] == [
        ("kim", "heard at 3000 rpm"),
        ("lee", "checked oil"),
    ]
    assert order.notes[0].ts == T0 + 2 * H
    updates = [e.data for e in entries(store, target=order.id) if e.action == "work_order.update"]
    assert len(updates) == 2
    assert any(d.get("title") == "Spindle noise, axis Z" for d in updates)


def test_list_filters_and_pagination(store: Store) -> None:
    for i in range(5):
        _new(store, machine=f"m{i % 2}", kind="inspection" if i % 2 else "preventive",
             now=T0 + i * H)  # fmt: skip
    page = wo.list_work_orders(store, limit=2)
    assert page.total == 5 and len(page.items) == 2
    assert page.items[0].created == T0 + 4 * H  # newest first
    rest = wo.list_work_orders(store, limit=2, offset=4)
    assert len(rest.items) == 1
    assert wo.list_work_orders(store, machine="m1").total == 2
    assert wo.list_work_orders(store, kind="preventive").total == 3
    first = page.items[0]
    wo.start(store, first.id, actor="kim", now=T0 + 5 * H)
    assert [o.id for o in wo.list_work_orders(store, status="in_progress").items] == [first.id]
    with pytest.raises(DataError):
        wo.list_work_orders(store, status="sleeping")


def test_failure_labels_for_the_models(store: Store) -> None:
    a = _new(store, machine="m1")
    b = _new(store, machine="m2", kind="inspection")
    c = _new(store, machine="m3")
    for order, mode, at in ((a, "bearing_wear", 5), (b, "none_found", 7), (c, "tool_wear", 30)):
        wo.start(store, order.id, actor="kim", now=T0 + H)
        wo.close(store, order.id, mode, actor="kim", now=T0 + at * H)
    _new(store, machine="m4")  # still open: no label
    labels = wo.failure_labels(store, T0, T0 + 24 * H)
    assert [(x.machine, x.failure_mode.value, x.ts) for x in labels] == [
        ("m1", "bearing_wear", T0 + 5 * H),
        ("m2", "none_found", T0 + 7 * H),
    ]
    assert labels[1].kind is WorkOrderKind.INSPECTION and labels[0].work_order == a.id


# -- the lifecycle as a state machine -------------------------------------------------------

_ALL = list(WorkOrderStatus)


@given(st.sampled_from(_ALL), st.sampled_from(_ALL))
def test_next_status_allows_exactly_the_table(src: WorkOrderStatus, dst: WorkOrderStatus) -> None:
    if dst in TRANSITIONS[src]:
        assert wo.next_status(src, dst) is dst
    else:
        with pytest.raises(InvalidTransitionError):
            wo.next_status(src, dst)


_ACTIONS = ("schedule", "unschedule", "start", "close", "cancel", "note", "update")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(_ACTIONS), max_size=8))
def test_no_sequence_of_calls_reaches_an_illegal_state(actions: list[str]) -> None:
    store = DuckDBStore(":memory:")
    try:
        order = _new(store)
        path = [order.status]
        for i, action in enumerate(actions):
            now = T0 + (i + 1) * H
            before = wo.get(store, order.id)
            try:
                if action == "schedule":
                    wo.schedule(store, order.id, now + H, now + 2 * H, actor="a", now=now)
                elif action == "unschedule":
                    wo.unschedule(store, order.id, actor="a", now=now)
                elif action == "start":
                    wo.start(store, order.id, actor="a", now=now)
                elif action == "close":
                    wo.close(store, order.id, "other", actor="a", now=now)
                elif action == "cancel":
                    wo.cancel(store, order.id, actor="a", now=now)
                elif action == "note":
                    wo.add_note(store, order.id, "n", actor="a", now=now)
                else:
                    wo.update(store, order.id, actor="a", now=now, priority=1)
            except InvalidTransitionError:
                assert wo.get(store, order.id) == before  # a refused call changes nothing
            after = wo.get(store, order.id)
            assert after.status == before.status or after.status in TRANSITIONS[before.status]
            assert (after.status is WorkOrderStatus.DONE) == (after.failure_mode is not None)
            assert (after.status is WorkOrderStatus.SCHEDULED) <= (
                after.scheduled_start is not None
            )
            if after.status is not before.status:
                path.append(after.status)
        assert all(b in TRANSITIONS[a] for a, b in itertools.pairwise(path))
        audited = entries(store, target=order.id, limit=100)
        edits = sum(1 for e in audited if e.action in ("work_order.note", "work_order.update"))
        assert len(audited) == 1 + (len(path) - 1) + edits  # created, each move, each edit
    finally:
        store.close()


def test_concurrent_edit_is_refused_without_an_audit_entry(store: Store) -> None:
    order = _new(store)
    stale = wo.get(store, order.id)
    wo.update(store, order.id, actor="kim", now=T0 + H, title="first")
    before = len(entries(store, target=order.id))
    with pytest.raises(InvalidTransitionError, match="meanwhile"):
        wo._write(  # the race, made deterministic
            store, stale, {"title": "second"}, actor="lee", action="work_order.update",
            now=T0 + 2 * H, data={},
        )  # fmt: skip
    assert len(entries(store, target=order.id)) == before
    assert wo.get(store, order.id).title == "first"
