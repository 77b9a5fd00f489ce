"""Stored production plans: the ``plans`` rows of ``kind = 'production'`` and their statuses.

A plan's ``data`` holds everything needed to rebuild the scheduling problem it solved (the
origin of its working-time axis, the orders with their quantities, the maintenance windows it
kept free), the solution in model minutes, the operations in plant terms (UTC) and, for a
re-plan, the moves against the plan it replaces with a reason each.
:mod:`smartfactory.decisions.planning` makes the plans; this module reads them and moves
their status:

``proposed``
    a re-plan waiting for its schedule decision;
``active``
    the one plan production follows (at most one);
``superseded`` / ``undone``
    replaced by a later plan / withdrawn by undoing its decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smartfactory.decisions.scheduling import PlannedOperation
from smartfactory.errors import NotFoundError
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "PLAN_KIND",
    "MaintenanceJob",
    "PlanMove",
    "ProductionPlan",
    "activate_plan",
    "current_plan",
    "get_plan",
    "plan_history",
    "set_plan_status",
]

PLAN_KIND = "production"
"""The ``plans.kind`` of production plans."""

_COLUMNS = "id, created, status, reason, data"


@dataclass(frozen=True, slots=True)
class MaintenanceJob:
    """A maintenance window the plan keeps free on ``machine``."""

    machine: str
    start: datetime
    end: datetime
    work_order_id: str | None = None
    decision_id: str | None = None


@dataclass(frozen=True, slots=True)
class PlanMove:
    """One operation a re-plan moved (or added), and why."""

    order: str
    batch: int
    operation: str
    old_machine: str | None
    new_machine: str
    old_start: datetime | None
    new_start: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ProductionPlan:
    """A stored production plan: its operations, maintenance jobs and, for a re-plan, moves."""

    id: str
    created: datetime
    status: str
    reason: str
    operations: tuple[PlannedOperation, ...]
    maintenance: tuple[MaintenanceJob, ...]
    moves: tuple[PlanMove, ...] = ()
    decision_id: str | None = None
    previous_id: str | None = None
    summary_en: str = ""
    summary_ko: str = ""
    makespan_min: int = 0
    weighted_tardiness: int = 0
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    def by_machine(self) -> dict[str, list[PlannedOperation | MaintenanceJob]]:
        """Per machine id, its operations and maintenance jobs in start order."""
        out: dict[str, list[PlannedOperation | MaintenanceJob]] = {}
        items: list[PlannedOperation | MaintenanceJob] = [*self.operations, *self.maintenance]
        for item in items:
            out.setdefault(item.machine, []).append(item)
        for items in out.values():
            items.sort(key=lambda i: i.start)
        return out


def _time(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value).astimezone(UTC)


def _decode(row: Sequence[Any]) -> ProductionPlan:
    data = json.loads(row[4] or "{}")
    return ProductionPlan(
        id=str(row[0]),
        created=row[1].astimezone(UTC),
        status=str(row[2]),
        reason=str(row[3]),
        operations=tuple(PlannedOperation.model_validate(o) for o in data.get("operations", [])),
        maintenance=tuple(
            MaintenanceJob(
                m["machine"],
                datetime.fromisoformat(m["start"]),
                datetime.fromisoformat(m["end"]),
                m.get("work_order_id"),
                m.get("decision_id"),
            )
            for m in data.get("maintenance", [])
        ),
        moves=tuple(
            PlanMove(
                order=m["order"],
                batch=int(m["batch"]),
                operation=m["operation"],
                old_machine=m.get("old_machine"),
                new_machine=m["new_machine"],
                old_start=_time(m.get("old_start")),
                new_start=datetime.fromisoformat(m["new_start"]),
                reason=m["reason"],
            )
            for m in data.get("moves", [])
        ),
        decision_id=data.get("decision_id"),
        previous_id=data.get("previous_id"),
        summary_en=str(data.get("summary_en", "")),
        summary_ko=str(data.get("summary_ko", "")),
        makespan_min=int(data.get("makespan", 0)),
        weighted_tardiness=int(data.get("weighted_tardiness", 0)),
        data=data,
    )


def get_plan(store: Store, plan_id: str) -> ProductionPlan:
    """The production plan with this id; NotFoundError if none."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM plans WHERE id = ? AND kind = ?", [plan_id, PLAN_KIND]
    )
    if not rows:
        raise NotFoundError(f"no production plan {plan_id!r}")
    return _decode(rows[0])


def current_plan(store: Store) -> ProductionPlan | None:
    """The active production plan, or None before the first one."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM plans WHERE kind = ? AND status = 'active'"
        " ORDER BY created DESC, id LIMIT 1",
        [PLAN_KIND],
    )
    return _decode(rows[0]) if rows else None


def plan_history(store: Store, limit: int = 20) -> list[ProductionPlan]:
    """The latest production plans of every status, newest first."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM plans WHERE kind = ? ORDER BY created DESC, id LIMIT ?",
        [PLAN_KIND, max(1, int(limit))],
    )
    return [_decode(r) for r in rows]


def activate_plan(store: Store, plan_id: str, *, actor: str, now: datetime) -> ProductionPlan:
    """Make ``plan_id`` the active plan (the previous active one becomes ``superseded``)."""
    get_plan(store, plan_id)
    at = now.astimezone(UTC)
    store.execute_all(
        [
            (
                "UPDATE plans SET status = 'superseded' WHERE kind = ? AND status = 'active'"
                " AND id <> ?",
                [PLAN_KIND, plan_id],
            ),
            ("UPDATE plans SET status = 'active' WHERE id = ?", [plan_id]),
            entry(actor, "plan.activate", plan_id, {"kind": PLAN_KIND}, ts=at),
        ]
    )
    return get_plan(store, plan_id)


def set_plan_status(store: Store, plan_id: str, status: str, *, actor: str, now: datetime) -> None:
    """Set a plan's status (``undone``, ``superseded``) and audit it."""
    store.execute_all(
        [
            ("UPDATE plans SET status = ? WHERE id = ? AND kind = ?", [status, plan_id, PLAN_KIND]),
            entry(actor, f"plan.{status}", plan_id, {}, ts=now.astimezone(UTC)),
        ]
    )
