"""Work order routes (``/work-orders``): list, read, create, edit, move, note, close, confirm.

Thin adapters over :mod:`smartfactory.decisions.workorders`. Reading needs ``view``; changes
need ``manage_work_orders``; notes and the operator's confirmation at the machine need
``confirm_work_order``. The acting user's name goes to the audit log. An illegal lifecycle
move answers 409 (``conflict``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartfactory.api.auth.deps import Principal, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import AccountsDep, PlantDep, StoreDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.decisions import workorders as repo
from smartfactory.decisions.workorders import (
    FailureMode,
    Part,
    WorkOrder,
    WorkOrderKind,
    WorkOrderStatus,
)
from smartfactory.domain.assets import Plant
from smartfactory.errors import DataError, StoreError
from smartfactory.store.base import Store

__all__ = [
    "Confirmation",
    "NoteCreate",
    "NotePublic",
    "PartModel",
    "WorkOrderClose",
    "WorkOrderCreate",
    "WorkOrderPage",
    "WorkOrderPublic",
    "WorkOrderTransition",
    "WorkOrderUpdate",
    "router",
    "store_of",
]

router = APIRouter(tags=["work-orders"])

Viewer = Annotated[Principal, Depends(require(Permission.VIEW))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_WORK_ORDERS))]
Confirmer = Annotated[Principal, Depends(require(Permission.CONFIRM_WORK_ORDER))]

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "Not signed in."},
    403: {"model": ErrorPublic, "description": "The role lacks the permission."},
    404: {"model": ErrorPublic, "description": "No such work order."},
    409: {"model": ErrorPublic, "description": "Not allowed in the work order's status."},
    422: {"model": ErrorPublic, "description": "Invalid field values."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}


def store_of(store: Store | None) -> Store:
    """The store, or StoreError (503) when the server runs without one."""
    if store is None:
        raise StoreError("this server runs without a store; work orders and decisions need one")
    return store


def _known_machine(plant: Plant, machine: str) -> None:
    if machine not in {m.id for m in plant.machines()}:
        raise DataError(f"no machine {machine!r} in plant {plant.site.id!r}")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartModel(_Body):
    """A spare part and its quantity."""

    part: str = Field(min_length=1, max_length=200)
    quantity: float = Field(default=1.0, gt=0)


class NotePublic(BaseModel):
    """An append-only note."""

    author: str
    ts: datetime
    text: str


class WorkOrderPublic(BaseModel):
    """A work order as clients read it."""

    id: str
    machine: str
    kind: WorkOrderKind
    title: str
    status: WorkOrderStatus
    priority: int = Field(description="1 (highest) to 5.")
    created: datetime
    updated: datetime
    due: datetime | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started: datetime | None
    closed: datetime | None
    assignee: str | None
    parts: list[PartModel]
    notes: list[NotePublic]
    time_spent_h: float
    failure_mode: FailureMode | None
    decision_id: str | None
    created_by: str | None

    @classmethod
    def from_work_order(cls, wo: WorkOrder) -> WorkOrderPublic:
        """Copy ``wo``."""
        return cls(
            id=wo.id,
            machine=wo.machine,
            kind=wo.kind,
            title=wo.title,
            status=wo.status,
            priority=wo.priority,
            created=wo.created,
            updated=wo.updated,
            due=wo.due,
            scheduled_start=wo.scheduled_start,
            scheduled_end=wo.scheduled_end,
            started=wo.started,
            closed=wo.closed,
            assignee=wo.assignee,
            parts=[PartModel(part=p.part, quantity=p.quantity) for p in wo.parts],
            notes=[NotePublic(author=n.author, ts=n.ts, text=n.text) for n in wo.notes],
            time_spent_h=wo.time_spent_h,
            failure_mode=wo.failure_mode,
            decision_id=wo.decision_id,
            created_by=wo.created_by,
        )


class WorkOrderPage(BaseModel):
    """One page of work orders and how many match in all."""

    items: list[WorkOrderPublic]
    total: int
    limit: int
    offset: int


class WorkOrderCreate(_Body):
    """A new work order; with a window it starts ``scheduled``, else ``open``."""

    machine: str = Field(min_length=1)
    kind: WorkOrderKind
    title: str = Field(min_length=1, max_length=300)
    priority: int = Field(default=3, ge=1, le=5)
    due: AwareDatetime | None = None
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    assignee: str | None = Field(default=None, max_length=100)
    parts: list[PartModel] = Field(default_factory=list)


class WorkOrderUpdate(_Body):
    """Fields to change; absent fields stay; ``null`` clears due, window or assignee."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    priority: int | None = Field(default=None, ge=1, le=5)
    due: AwareDatetime | None = None
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    assignee: str | None = Field(default=None, max_length=100)
    parts: list[PartModel] | None = None
    time_spent_h: float | None = Field(default=None, ge=0)


class WorkOrderTransition(_Body):
    """Move a work order; ``scheduled`` needs a window, ``done`` a failure mode."""

    to: WorkOrderStatus
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    failure_mode: FailureMode | None = None
    time_spent_h: float | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=2000)


class WorkOrderClose(_Body):
    """Finish a work order in progress with the failure mode that was found."""

    failure_mode: FailureMode
    time_spent_h: float | None = Field(default=None, ge=0)
    note: str = Field(default="", max_length=2000)


class NoteCreate(_Body):
    """A note to append."""

    text: str = Field(min_length=1, max_length=5000)


class Confirmation(_Body):
    """An operator's confirmation at the machine, with an optional remark."""

    note: str = Field(default="", max_length=2000)


def _parts(parts: list[PartModel]) -> list[Part]:
    return [Part(part=p.part, quantity=p.quantity) for p in parts]


def _public(wo: WorkOrder) -> WorkOrderPublic:
    return WorkOrderPublic.from_work_order(wo)


@router.get(
    "/work-orders", operation_id="list_work_orders", response_model=WorkOrderPage, responses=_ERRORS
)
def list_work_orders(
    *,
    user: Viewer,
    store: StoreDep,
    machine: str | None = None,
    status: WorkOrderStatus | None = None,
    kind: WorkOrderKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # fits SQL BIGINT
) -> WorkOrderPage:
    """Work orders, newest first, filtered by machine, status and kind."""
    page = repo.list_work_orders(
        store_of(store), machine=machine, status=status, kind=kind, limit=limit, offset=offset
    )
    return WorkOrderPage(
        items=[_public(w) for w in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/work-orders/{work_order_id}",
    operation_id="get_work_order",
    response_model=WorkOrderPublic,
    responses=_ERRORS,
)
def get_work_order(work_order_id: str, user: Viewer, store: StoreDep) -> WorkOrderPublic:
    """One work order with its notes."""
    return _public(repo.get(store_of(store), work_order_id))


@router.post(
    "/work-orders",
    operation_id="create_work_order",
    response_model=WorkOrderPublic,
    status_code=201,
    responses=_ERRORS,
)
def create_work_order(
    body: WorkOrderCreate, user: Manager, store: StoreDep, plant: PlantDep, accounts: AccountsDep
) -> WorkOrderPublic:
    """Create a work order by hand."""
    _known_machine(plant, body.machine)
    wo = repo.create(
        store_of(store),
        machine=body.machine,
        kind=body.kind,
        title=body.title,
        actor=user.username,
        now=accounts.now(),
        priority=body.priority,
        due=body.due,
        scheduled_start=body.scheduled_start,
        scheduled_end=body.scheduled_end,
        assignee=body.assignee,
        parts=_parts(body.parts),
    )
    return _public(wo)


@router.patch(
    "/work-orders/{work_order_id}",
    operation_id="update_work_order",
    response_model=WorkOrderPublic,
    responses=_ERRORS,
)
def update_work_order(
    work_order_id: str,
    body: WorkOrderUpdate,
    user: Manager,
    store: StoreDep,
    accounts: AccountsDep,
) -> WorkOrderPublic:
    """Change fields of an unfinished work order (only the fields sent)."""
    given = body.model_fields_set
    changes: dict[str, object] = {}
    for name in ("due", "scheduled_start", "scheduled_end", "assignee"):
        if name in given:
            changes[name] = getattr(body, name)
    wo = repo.update(
        store_of(store),
        work_order_id,
        actor=user.username,
        now=accounts.now(),
        title=body.title,
        priority=body.priority,
        parts=_parts(body.parts) if body.parts is not None else None,
        time_spent_h=body.time_spent_h,
        **changes,  # type: ignore[arg-type]
    )
    return _public(wo)


@router.post(
    "/work-orders/{work_order_id}/transition",
    operation_id="transition_work_order",
    response_model=WorkOrderPublic,
    responses=_ERRORS,
)
def transition_work_order(
    work_order_id: str,
    body: WorkOrderTransition,
    user: Manager,
    store: StoreDep,
    accounts: AccountsDep,
) -> WorkOrderPublic:
    """Move a work order along its lifecycle (schedule, un-schedule, start, close, cancel)."""
    wo = repo.transition(
        store_of(store),
        work_order_id,
        body.to,
        actor=user.username,
        now=accounts.now(),
        failure_mode=body.failure_mode,
        scheduled_start=body.scheduled_start,
        scheduled_end=body.scheduled_end,
        time_spent_h=body.time_spent_h,
        reason=body.reason,
    )
    return _public(wo)


@router.post(
    "/work-orders/{work_order_id}/close",
    operation_id="close_work_order",
    response_model=WorkOrderPublic,
    responses=_ERRORS,
)
def close_work_order(
    work_order_id: str,
    body: WorkOrderClose,
    user: Manager,
    store: StoreDep,
    accounts: AccountsDep,
) -> WorkOrderPublic:
    """Finish a work order in progress, recording the failure mode found (a model label)."""
    wo = repo.close(
        store_of(store),
        work_order_id,
        body.failure_mode,
        actor=user.username,
        now=accounts.now(),
        time_spent_h=body.time_spent_h,
        note=body.note,
    )
    return _public(wo)


@router.post(
    "/work-orders/{work_order_id}/notes",
    operation_id="add_work_order_note",
    response_model=WorkOrderPublic,
    status_code=201,
    responses=_ERRORS,
)
def add_work_order_note(
    work_order_id: str,
    body: NoteCreate,
    user: Confirmer,
    store: StoreDep,
    accounts: AccountsDep,
) -> WorkOrderPublic:
    """Append a note (notes are never edited or removed)."""
    wo = repo.add_note(
        store_of(store), work_order_id, body.text, actor=user.username, now=accounts.now()
    )
    return _public(wo)


@router.post(
    "/work-orders/{work_order_id}/confirm",
    operation_id="confirm_work_order",
    response_model=WorkOrderPublic,
    responses=_ERRORS,
)
def confirm_work_order(
    work_order_id: str,
    body: Confirmation,
    user: Confirmer,
    store: StoreDep,
    accounts: AccountsDep,
) -> WorkOrderPublic:
    """Confirm at the machine that a finished work order's work is done (operator view)."""
    wo = repo.confirm(
        store_of(store), work_order_id, actor=user.username, now=accounts.now(), note=body.note
    )
    return _public(wo)
