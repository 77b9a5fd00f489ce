"""Assigning a reason to a stop after the fact: who said why a machine stood still, and when.

The state interval is rewritten with its reason (``Store.write_states`` upserts on machine and
start) and an event of kind :data:`REASON_EVENT` records the change with the previous reason,
the person and the time, so the assignment can be audited and undone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from smartfactory.domain.records import Event
from smartfactory.domain.states import MachineState
from smartfactory.errors import DataError, NotFoundError
from smartfactory.kpi.reasons import ReasonTree, default_tree
from smartfactory.store.base import STATE_SCHEMA, Store

__all__ = ["REASON_EVENT", "assign_reason"]

REASON_EVENT = "downtime_reason_assigned"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def assign_reason(
    store: Store,
    machine: str,
    start: datetime,
    reason: str,
    who: str,
    *,
    tree: ReasonTree | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> Event:
    """Give the stop of ``machine`` that starts at ``start`` the reason ``reason``.

    Raises NotFoundError when no interval starts there, DataError when the interval is
    producing (not a stop) or the reason is not in ``tree`` (default: the default tree), or
    ``who`` is empty. Returns the event written.
    """
    tree = tree or default_tree()
    if tree.find(reason) is None:
        msg = f"unknown downtime reason {reason!r}"
        raise DataError(msg)
    if not who.strip():
        msg = "who assigns the reason must be given"
        raise DataError(msg)
    found = store.query_states(start, start + timedelta(microseconds=1), [machine])
    rows = [r for r in found.to_pylist() if r["machine"] == machine and r["start"] == start]
    if not rows:
        msg = f"no state interval of {machine!r} starts at {start.isoformat()}"
        raise NotFoundError(msg)
    row = rows[0]
    if row["state"] == MachineState.PRODUCING:
        msg = f"the interval of {machine!r} at {start.isoformat()} is producing, not a stop"
        raise DataError(msg)
    previous = row["reason"] or ""
    store.write_states(pa.Table.from_pylist([{**row, "reason": reason}], schema=STATE_SCHEMA))
    end = row["end"]
    event = Event(
        timestamp=clock(),
        kind=REASON_EVENT,
        source=machine,
        message=f"{machine} stop at {start.isoformat()}: {previous or '-'} -> {reason} by {who}",
        data={
            "machine": machine,
            "start": start.isoformat(),
            "end": end.isoformat() if end is not None else None,
            "state": MachineState(row["state"]).label,
            "reason": reason,
            "previous": previous,
            "by": who,
        },
    )
    store.write_events([event])
    return event
