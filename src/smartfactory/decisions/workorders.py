"""Maintenance work orders: a small CMMS over the ``work_orders`` record table.

A work order is created by hand or by an applied maintenance decision and moves through one
lifecycle (the only legal moves are listed in :data:`TRANSITIONS`)::

    open ──> scheduled ──> in_progress ──> done
      │  <──┘    │              │
      └──────────┴──────────────┴──> cancelled

``scheduled -> open`` un-schedules; ``done`` is reached only by closing the order with the
failure mode that was found (:class:`FailureMode`), which :func:`failure_labels` hands to the
prediction models as labels. Notes are append-only, each with its author and time. Every
change writes its audit entry (:mod:`smartfactory.store.audit`) in the same transaction.

:func:`next_status` is the pure state machine; every function that changes a status goes
through it, so an illegal move raises :class:`~smartfactory.errors.InvalidTransitionError`
before anything is written. Writes are optimistic (:mod:`.guarded`): a change made from a
stale read is refused, not merged.

The module is longer than the house aim of 400 lines because it is the whole repository of
one concept; the lifecycle helpers (``schedule`` ... ``cancel``) are one-line wrappers around
:func:`transition`, and splitting them off would scatter the state machine.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from smartfactory.decisions.guarded import guarded_write
from smartfactory.errors import DataError, InvalidTransitionError, NotFoundError
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "OPEN_STATUSES",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "FailureLabel",
    "FailureMode",
    "Note",
    "Page",
    "Part",
    "WorkOrder",
    "WorkOrderKind",
    "WorkOrderStatus",
    "add_note",
    "cancel",
    "close",
    "confirm",
    "create",
    "failure_labels",
    "get",
    "list_work_orders",
    "next_status",
    "schedule",
    "start",
    "transition",
    "unschedule",
    "update",
]


class WorkOrderStatus(StrEnum):
    """Where a work order is in its lifecycle."""

    OPEN = "open"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class WorkOrderKind(StrEnum):
    """Why the work is done."""

    PREVENTIVE = "preventive"
    CORRECTIVE = "corrective"
    PREDICTIVE = "predictive"
    INSPECTION = "inspection"


class FailureMode(StrEnum):
    """What was found when the work order was closed: the label the prediction models learn."""

    BEARING_WEAR = "bearing_wear"
    TOOL_WEAR = "tool_wear"
    SPINDLE = "spindle"
    HYDRAULIC_LEAK = "hydraulic_leak"
    ELECTRICAL = "electrical"
    SENSOR_FAULT = "sensor_fault"
    NONE_FOUND = "none_found"
    OTHER = "other"


_S = WorkOrderStatus
TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    _S.OPEN: frozenset({_S.SCHEDULED, _S.IN_PROGRESS, _S.CANCELLED}),
    _S.SCHEDULED: frozenset({_S.OPEN, _S.IN_PROGRESS, _S.CANCELLED}),
    _S.IN_PROGRESS: frozenset({_S.DONE, _S.CANCELLED}),
    _S.DONE: frozenset(),
    _S.CANCELLED: frozenset(),
}
"""The legal moves from each status; ``done`` and ``cancelled`` are final."""

TERMINAL_STATUSES = frozenset({_S.DONE, _S.CANCELLED})
OPEN_STATUSES = frozenset({_S.OPEN, _S.SCHEDULED})
"""Statuses in which no work has started (the order may still be undone by a decision)."""


def next_status(current: WorkOrderStatus | str, to: WorkOrderStatus | str) -> WorkOrderStatus:
    """``to`` if the move from ``current`` is legal; InvalidTransitionError otherwise."""
    try:
        src, dst = WorkOrderStatus(current), WorkOrderStatus(to)
    except ValueError as err:
        known = ", ".join(s.value for s in WorkOrderStatus)
        raise InvalidTransitionError(f"unknown work order status; known: {known}") from err
    if dst not in TRANSITIONS[src]:
        legal = ", ".join(sorted(s.value for s in TRANSITIONS[src])) or "none (final)"
        raise InvalidTransitionError(
            f"a work order cannot go from {src.value} to {dst.value}; legal from {src.value}: "
            f"{legal}"
        )
    return dst


@dataclass(frozen=True, slots=True)
class Part:
    """A spare part used or needed, with its quantity."""

    part: str
    quantity: float = 1.0


@dataclass(frozen=True, slots=True)
class Note:
    """One append-only note: who wrote it, when, and the text."""

    author: str
    ts: datetime
    text: str


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """One maintenance job on one machine."""

    id: str
    machine: str
    kind: WorkOrderKind
    title: str
    status: WorkOrderStatus
    priority: int
    created: datetime
    updated: datetime
    due: datetime | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    started: datetime | None = None
    closed: datetime | None = None
    assignee: str | None = None
    parts: tuple[Part, ...] = ()
    notes: tuple[Note, ...] = ()
    time_spent_h: float = 0.0
    failure_mode: FailureMode | None = None
    decision_id: str | None = None
    created_by: str | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list: the items, how many there are in all, and the window."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class FailureLabel:
    """A failure mode found on a machine when a work order was closed (a model label)."""

    machine: str
    ts: datetime
    failure_mode: FailureMode
    work_order: str
    kind: WorkOrderKind


_COLUMNS = (
    "id, machine, kind, title, status, priority, created, updated, due, scheduled_start,"
    " scheduled_end, started, closed, assignee, parts, notes, time_spent_h, failure_mode,"
    " decision_id, created_by"
)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise DataError(f"time {value.isoformat()} needs a time zone")
    return value.astimezone(UTC)


def _now(now: datetime) -> datetime:
    at = _utc(now)
    assert at is not None  # noqa: S101 - a datetime in, a datetime out
    return at


def _parts(parts: Sequence[Part]) -> str:
    for p in parts:
        if not p.part.strip():
            raise DataError("a part needs a name")
        if p.quantity <= 0:
            raise DataError(f"part {p.part!r} needs a positive quantity, not {p.quantity}")
    return json.dumps([{"part": p.part, "quantity": p.quantity} for p in parts])


def _notes_json(notes: Sequence[Note]) -> str:
    return json.dumps([{"author": n.author, "ts": n.ts.isoformat(), "text": n.text} for n in notes])


def _row(r: Sequence[Any]) -> WorkOrder:
    parts = json.loads(r[14] or "[]")
    notes = json.loads(r[15] or "[]")
    return WorkOrder(
        id=str(r[0]),
        machine=str(r[1]),
        kind=WorkOrderKind(r[2]),
        title=str(r[3]),
        status=WorkOrderStatus(r[4]),
        priority=int(r[5]),
        created=r[6].astimezone(UTC),
        updated=r[7].astimezone(UTC),
        due=_utc(r[8]),
        scheduled_start=_utc(r[9]),
        scheduled_end=_utc(r[10]),
        started=_utc(r[11]),
        closed=_utc(r[12]),
        assignee=r[13],
        parts=tuple(Part(part=p["part"], quantity=float(p["quantity"])) for p in parts),
        notes=tuple(
            Note(author=n["author"], ts=datetime.fromisoformat(n["ts"]), text=n["text"])
            for n in notes
        ),
        time_spent_h=float(r[16]),
        failure_mode=FailureMode(r[17]) if r[17] else None,
        decision_id=r[18],
        created_by=r[19],
    )


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise DataError("a scheduled window needs both a start and an end")
    if start is not None and end is not None and end <= start:
        raise DataError(f"window end {end.isoformat()} is not after start {start.isoformat()}")


def _check_priority(priority: int) -> None:
    if not 1 <= priority <= 5:
        raise DataError(f"priority must be 1 (highest) to 5, not {priority}")


def create(
    store: Store,
    *,
    machine: str,
    kind: WorkOrderKind | str,
    title: str,
    actor: str,
    now: datetime,
    priority: int = 3,
    due: datetime | None = None,
    scheduled_start: datetime | None = None,
    scheduled_end: datetime | None = None,
    assignee: str | None = None,
    parts: Sequence[Part] = (),
    decision_id: str | None = None,
) -> WorkOrder:
    """Store a new work order; ``scheduled`` when a window is given, ``open`` otherwise."""
    if not machine.strip():
        raise DataError("a work order needs a machine")
    if not title.strip():
        raise DataError("a work order needs a title")
    try:
        kind = WorkOrderKind(kind)
    except ValueError as err:
        known = ", ".join(k.value for k in WorkOrderKind)
        raise DataError(f"unknown work order kind {kind!r}; known: {known}") from err
    _check_priority(priority)
    start, end = _utc(scheduled_start), _utc(scheduled_end)
    _check_window(start, end)
    at = _now(now)
    status = WorkOrderStatus.SCHEDULED if start is not None else WorkOrderStatus.OPEN
    wo_id = "WO-" + uuid.uuid4().hex[:10].upper()
    params = [
        wo_id, machine, kind.value, title, status.value, priority, at, at, _utc(due), start, end,
        None, None, assignee, _parts(parts), "[]", 0.0, None, decision_id, actor,
    ]  # fmt: skip
    store.execute_all(
        [
            (f"INSERT INTO work_orders ({_COLUMNS}) VALUES ({', '.join('?' * 20)})", params),
            entry(
                actor,
                "work_order.create",
                wo_id,
                {
                    "machine": machine,
                    "kind": kind.value,
                    "status": status.value,
                    "decision": decision_id,
                },
                ts=at,
            ),
        ]
    )
    return get(store, wo_id)


def get(store: Store, work_order_id: str) -> WorkOrder:
    """The work order with this id; NotFoundError if none."""
    rows = store.query(f"SELECT {_COLUMNS} FROM work_orders WHERE id = ?", [work_order_id])
    if not rows:
        raise NotFoundError(f"no work order {work_order_id!r}")
    return _row(rows[0])


def list_work_orders(
    store: Store,
    *,
    machine: str | None = None,
    status: WorkOrderStatus | str | None = None,
    kind: WorkOrderKind | str | None = None,
    decision_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[WorkOrder]:
    """Work orders matching every filter given, newest first, one page at a time."""
    if limit < 1 or offset < 0:
        raise DataError("limit must be at least 1 and offset at least 0")
    where: list[str] = []
    params: list[object] = []
    for column, given, enum in (
        ("machine", machine, None),
        ("status", status, WorkOrderStatus),
        ("kind", kind, WorkOrderKind),
        ("decision_id", decision_id, None),
    ):
        if given is None:
            continue
        value = given
        if enum is not None:
            try:
                value = enum(given).value
            except ValueError as err:
                raise DataError(f"unknown {column} {given!r}") from err
        where.append(f"{column} = ?")
        params.append(value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = int(store.query(f"SELECT COUNT(*) FROM work_orders{clause}", params)[0][0])
    rows = store.query(
        f"SELECT {_COLUMNS} FROM work_orders{clause} ORDER BY created DESC, id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    )
    return Page(items=[_row(r) for r in rows], total=total, limit=limit, offset=offset)


def _write(
    store: Store,
    current: WorkOrder,
    values: dict[str, Any],
    *,
    actor: str,
    action: str,
    now: datetime,
    data: dict[str, Any],
) -> WorkOrder:
    """Update ``values`` of ``current`` if nobody changed it since it was read; audit it."""
    at = _now(now)
    done = guarded_write(
        store,
        table="work_orders",
        record_id=current.id,
        values={**values, "updated": at},
        guard={"status": current.status.value, "updated": current.updated},
        actor=actor,
        action=action,
        data=data,
        ts=at,
    )
    if not done:
        raise InvalidTransitionError(f"work order {current.id} changed meanwhile; try again")
    return get(store, current.id)


def transition(
    store: Store,
    work_order_id: str,
    to: WorkOrderStatus | str,
    *,
    actor: str,
    now: datetime,
    failure_mode: FailureMode | str | None = None,
    scheduled_start: datetime | None = None,
    scheduled_end: datetime | None = None,
    time_spent_h: float | None = None,
    reason: str = "",
) -> WorkOrder:
    """Move a work order to ``to`` (validated by :func:`next_status`) and audit it.

    ``scheduled`` needs a window (given here or already set); ``done`` needs the failure mode
    found and may record the hours spent; ``cancelled`` may give a reason (kept as a note).
    """
    current = get(store, work_order_id)
    dst = next_status(current.status, to)
    at = _now(now)
    values: dict[str, Any] = {"status": dst.value}
    data: dict[str, Any] = {"from": current.status.value, "to": dst.value}
    if dst is WorkOrderStatus.SCHEDULED:
        start = _utc(scheduled_start) or current.scheduled_start
        end = _utc(scheduled_end) or current.scheduled_end
        if start is None or end is None:
            raise DataError(f"scheduling work order {current.id} needs a window (start and end)")
        _check_window(start, end)
        values |= {"scheduled_start": start, "scheduled_end": end}
        data |= {"start": start.isoformat(), "end": end.isoformat()}
    elif dst is WorkOrderStatus.IN_PROGRESS:
        values["started"] = at
    elif dst is WorkOrderStatus.DONE:
        if failure_mode is None:
            raise DataError(f"closing work order {current.id} needs the failure mode found")
        try:
            mode = FailureMode(failure_mode)
        except ValueError as err:
            known = ", ".join(m.value for m in FailureMode)
            raise DataError(f"unknown failure mode {failure_mode!r}; known: {known}") from err
        values |= {"closed": at, "failure_mode": mode.value}
        data["failure_mode"] = mode.value
    elif dst is WorkOrderStatus.CANCELLED:
        values["closed"] = at
    if time_spent_h is not None:
        if time_spent_h < 0:
            raise DataError("time spent cannot be negative")
        values["time_spent_h"] = float(time_spent_h)
        data["time_spent_h"] = float(time_spent_h)
    if reason.strip():
        values["notes"] = _notes_json([*current.notes, Note(actor, at, reason.strip())])
        data["reason"] = reason.strip()
    return _write(
        store, current, values, actor=actor, action=f"work_order.{dst.value}", now=at, data=data
    )


def schedule(
    store: Store, work_order_id: str, start: datetime, end: datetime, *, actor: str, now: datetime
) -> WorkOrder:
    """Give an open work order its window (``open -> scheduled``)."""
    return transition(
        store,
        work_order_id,
        WorkOrderStatus.SCHEDULED,
        actor=actor,
        now=now,
        scheduled_start=start,
        scheduled_end=end,
    )


def unschedule(store: Store, work_order_id: str, *, actor: str, now: datetime) -> WorkOrder:
    """Take a scheduled work order back to ``open`` (its last window is kept for reference)."""
    return transition(store, work_order_id, WorkOrderStatus.OPEN, actor=actor, now=now)


def start(store: Store, work_order_id: str, *, actor: str, now: datetime) -> WorkOrder:
    """Start the work (``open|scheduled -> in_progress``)."""
    return transition(store, work_order_id, WorkOrderStatus.IN_PROGRESS, actor=actor, now=now)


def close(
    store: Store,
    work_order_id: str,
    failure_mode: FailureMode | str,
    *,
    actor: str,
    now: datetime,
    time_spent_h: float | None = None,
    note: str = "",
) -> WorkOrder:
    """Finish the work (``in_progress -> done``) recording the failure mode found."""
    return transition(
        store,
        work_order_id,
        WorkOrderStatus.DONE,
        actor=actor,
        now=now,
        failure_mode=failure_mode,
        time_spent_h=time_spent_h,
        reason=note,
    )


def cancel(
    store: Store, work_order_id: str, *, actor: str, now: datetime, reason: str = ""
) -> WorkOrder:
    """Cancel a work order that is not finished; ``reason`` is kept as a note."""
    return transition(
        store, work_order_id, WorkOrderStatus.CANCELLED, actor=actor, now=now, reason=reason
    )


_UNSET: Any = object()


def _window_change(
    current: WorkOrder, start: datetime | None, end: datetime | None
) -> dict[str, datetime | None]:
    s = current.scheduled_start if start is _UNSET else _utc(start)
    e = current.scheduled_end if end is _UNSET else _utc(end)
    _check_window(s, e)
    if s is None and current.status is WorkOrderStatus.SCHEDULED:
        raise DataError(f"work order {current.id} is scheduled; un-schedule it instead")
    return {"scheduled_start": s, "scheduled_end": e}


def update(
    store: Store,
    work_order_id: str,
    *,
    actor: str,
    now: datetime,
    title: str | None = None,
    priority: int | None = None,
    due: datetime | None = _UNSET,
    scheduled_start: datetime | None = _UNSET,
    scheduled_end: datetime | None = _UNSET,
    assignee: str | None = _UNSET,
    parts: Sequence[Part] | None = None,
    time_spent_h: float | None = None,
) -> WorkOrder:
    """Change fields of an unfinished work order; only the arguments given change.

    ``due``, the window and ``assignee`` may be cleared with ``None``; the window of a
    scheduled order can be moved but not removed (un-schedule it instead).
    """
    current = get(store, work_order_id)
    if current.status in TERMINAL_STATUSES:
        raise InvalidTransitionError(
            f"work order {current.id} is {current.status.value}; its fields can no longer change"
        )
    values: dict[str, Any] = {}
    if title is not None:
        if not title.strip():
            raise DataError("a work order needs a title")
        values["title"] = title
    if priority is not None:
        _check_priority(priority)
        values["priority"] = priority
    if due is not _UNSET:
        values["due"] = _utc(due)
    if scheduled_start is not _UNSET or scheduled_end is not _UNSET:
        values |= _window_change(current, scheduled_start, scheduled_end)
    if assignee is not _UNSET:
        values["assignee"] = assignee
    if parts is not None:
        values["parts"] = _parts(parts)
    if time_spent_h is not None:
        if time_spent_h < 0:
            raise DataError("time spent cannot be negative")
        values["time_spent_h"] = float(time_spent_h)
    if not values:
        return current
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
    if "parts" in data:
        data["parts"] = json.loads(data["parts"])
    return _write(
        store, current, values, actor=actor, action="work_order.update", now=now, data=data
    )


def add_note(
    store: Store, work_order_id: str, text: str, *, actor: str, now: datetime
) -> WorkOrder:
    """Append a note (notes are never edited or removed); allowed in every status."""
    if not text.strip():
        raise DataError("a note needs text")
    current = get(store, work_order_id)
    at = _now(now)
    notes = _notes_json([*current.notes, Note(actor, at, text.strip())])
    return _write(
        store,
        current,
        {"notes": notes},
        actor=actor,
        action="work_order.note",
        now=at,
        data={"text": text},
    )


def confirm(
    store: Store, work_order_id: str, *, actor: str, now: datetime, note: str = ""
) -> WorkOrder:
    """An operator confirms at the machine that a finished work order's work is done.

    Recorded as a note (``confirmed at the machine``) and a ``work_order.confirm`` audit
    entry; only a ``done`` work order can be confirmed.
    """
    current = get(store, work_order_id)
    if current.status is not WorkOrderStatus.DONE:
        raise InvalidTransitionError(
            f"work order {current.id} is {current.status.value}; only a done one can be confirmed"
        )
    at = _now(now)
    text = "confirmed at the machine" + (f": {note.strip()}" if note.strip() else "")
    return _write(
        store,
        current,
        {"notes": _notes_json([*current.notes, Note(actor, at, text)])},
        actor=actor,
        action="work_order.confirm",
        now=at,
        data={"note": note.strip()},
    )


def failure_labels(store: Store, start: datetime, end: datetime) -> list[FailureLabel]:
    """Failure modes found by work orders closed in [start, end), oldest first.

    One label per ``done`` work order: the machine, the closing time and the failure mode
    (``none_found`` included: an inspection that found nothing is a negative label).
    """
    rows = store.query(
        "SELECT machine, closed, failure_mode, id, kind FROM work_orders"
        " WHERE status = ? AND closed >= ? AND closed < ? AND failure_mode IS NOT NULL"
        " ORDER BY closed, id",
        [WorkOrderStatus.DONE.value, _utc(start), _utc(end)],
    )
    return [
        FailureLabel(
            machine=str(r[0]),
            ts=r[1].astimezone(UTC),
            failure_mode=FailureMode(r[2]),
            work_order=str(r[3]),
            kind=WorkOrderKind(r[4]),
        )
        for r in rows
    ]
