"""KPI routes: ISO 22400 OEE roll-ups, losses, and assigning a reason to a stop.

Thin adapters over :mod:`smartfactory.kpi.service`; windows default to the 24 hours before
the plant's current time (the live snapshot's clock, which is simulated time in the demo).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartfactory.api.auth.deps import Principal, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import LiveDep, PlantDep, StoreDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.errors import DataError, NotFoundError, StoreError
from smartfactory.kpi import KpiRow, LossReport, assign_reason, losses, oee
from smartfactory.kpi.rollup import DIMENSIONS
from smartfactory.store.base import Store

__all__ = ["router"]

router = APIRouter(tags=["kpi"])

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic, "description": "No such machine or stop."},
    422: {"model": ErrorPublic, "description": "Invalid window, grouping or reason."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}


class ReasonAssignment(BaseModel):
    """Give a stop (the state interval starting at ``start``) a downtime reason."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="Start of the stop's state interval.")
    reason: str = Field(min_length=1, description="A reason code of the reason tree.")
    who: str | None = Field(
        default=None,
        max_length=100,
        description="Ignored: the assignment is recorded with the signed-in user's name.",
    )


class ReasonAssigned(BaseModel):
    """The audit event written for an assignment."""

    timestamp: datetime
    kind: str
    source: str
    message: str
    data: dict[str, object]


def _store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("this server runs without a store; KPIs need one")
    return store


MAX_WINDOW = timedelta(days=366)
"""The longest [start, end) a KPI query may ask for."""


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    end = end or now
    if start is None:
        try:
            start = end - timedelta(hours=24)
        except OverflowError as err:
            raise DataError(f"end {end.isoformat()} is too early") from err
    if start.tzinfo is None or end.tzinfo is None:
        raise DataError("start and end need a time zone offset (e.g. 2026-11-25T08:00:00+09:00)")
    if end <= start:
        raise DataError(f"end {end.isoformat()} is not after start {start.isoformat()}")
    if end - start > MAX_WINDOW:
        # the calendar and the loss analysis walk every shift of the window
        raise DataError(f"the window may span at most {MAX_WINDOW.days} days")
    return start, end


_VIEW = [Depends(require(Permission.VIEW))]


@router.get(
    "/kpi/oee",
    operation_id="get_kpi_oee",
    response_model=list[KpiRow],
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_kpi_oee(
    *,
    plant: PlantDep,
    live: LiveDep,
    store: StoreDep,
    start: datetime | None = None,
    end: datetime | None = None,
    group_by: Annotated[list[str] | None, Query(description=f"Any of {DIMENSIONS}.")] = None,
) -> list[KpiRow]:
    """OEE and the other ISO 22400 KPIs of [start, end) grouped by ``group_by``."""
    window = _window(start, end, live.snapshot().timestamp)
    dims = tuple(group_by) if group_by is not None else ("machine",)
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise DataError(f"cannot group by {unknown}; use any of {', '.join(DIMENSIONS)}")
    return oee(_store(store), plant, *window, group_by=dims)


@router.get(
    "/kpi/losses",
    operation_id="get_kpi_losses",
    response_model=LossReport,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_kpi_losses(
    *,
    plant: PlantDep,
    live: LiveDep,
    store: StoreDep,
    start: datetime | None = None,
    end: datetime | None = None,
    machine: Annotated[list[str] | None, Query(description="Limit to these machines.")] = None,
) -> LossReport:
    """Six big losses, downtime Pareto, micro-stops and changeovers of [start, end)."""
    window = _window(start, end, live.snapshot().timestamp)
    return losses(_store(store), plant, *window, machines=machine)


@router.post(
    "/machines/{machine_id}/stops/reason",
    operation_id="assign_stop_reason",
    response_model=ReasonAssigned,
    responses=_ERRORS,
)
def assign_stop_reason(
    machine_id: str,
    body: ReasonAssignment,
    plant: PlantDep,
    store: StoreDep,
    user: Annotated[Principal, Depends(require(Permission.ASSIGN_REASON))],
) -> ReasonAssigned:
    """Give an unclassified (or wrongly classified) stop its reason; recorded with who and when."""
    if machine_id not in {m.id for m in plant.machines()}:
        raise NotFoundError(f"no machine {machine_id!r} in plant {plant.site.id!r}")
    event = assign_reason(_store(store), machine_id, body.start, body.reason, user.username)
    return ReasonAssigned(
        timestamp=event.timestamp,
        kind=event.kind,
        source=event.source,
        message=event.message,
        data=dict(event.data),
    )
