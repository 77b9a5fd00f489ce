"""Routes the dashboard pages read that no other resource module serves.

* ``GET /machines/{id}/signals`` - the machine's stored signals with their latest sample;
* ``GET /machines/{id}/signals/{name}/history`` - one signal downsampled into buckets
  (mean, min, max per bucket) over :meth:`Store.aggregate_samples`;
* ``GET /machines/{id}/states`` - the machine's state intervals overlapping the window;
* ``GET /kpi/spc`` - a control chart of a signal (:func:`~smartfactory.kpi.spc.spc_signal`) or
  of scrap (``signal=scrap``, :func:`~smartfactory.kpi.spc.service.spc_scrap`) with the run-rule
  hits and capability indices; read-only (no alert events are written);
* ``GET /alerts/spc`` - SPC alert events of the window (newest first);
* ``GET /plans/current`` and ``GET /plans`` - the active production plan and recent plans
  (:mod:`smartfactory.decisions.plans`);
* ``PUT /me/language`` - the signed-in user's page language (stored on the user record).

They sit in one module because they are the page adapters of issue 7: thin reads over the
store and the area services, each needing :attr:`Permission.VIEW` (the language route only a
signed-in user). Windows default to the 24 hours before the live snapshot's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, cast

import numpy as np
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.api.auth.deps import CurrentUser, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.auth.users import LOCALES, update_user
from smartfactory.api.deps import AccountsDep, LiveDep, PlantDep, StoreDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.decisions.plans import ProductionPlan, current_plan, plan_history
from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState
from smartfactory.errors import DataError, NotFoundError, StoreError
from smartfactory.kpi.spc.alerts import SPC_EVENT
from smartfactory.kpi.spc.service import spc_scrap, spc_signal
from smartfactory.store.base import Store

__all__ = [
    "AlertPublic",
    "HistoryPublic",
    "LanguageUpdate",
    "PlanPublic",
    "SignalPublic",
    "SpcPublic",
    "StatePublic",
    "router",
]

router = APIRouter(tags=["dashboard"])

_VIEW = [Depends(require(Permission.VIEW))]
_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic, "description": "No such machine, signal or data."},
    422: {"model": ErrorPublic, "description": "Invalid window or parameters."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}
_Attr = Literal["p", "np", "c", "u"]
_Var = Literal["imr", "xbar_r", "xbar_s"]
LANGUAGE_COOKIE = "sf_lang"
"""Cookie naming the page language in this browser (read by :mod:`smartfactory.web.layout`)."""
LANGUAGE_COOKIE_MAX_AGE_S = 400 * 24 * 3600
MAX_BUCKETS = 2000
"""Most points a history answer holds: a coarser bucket is chosen when more would be needed."""


def _store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("this server runs without a store; history needs one")
    return store


def _machine(plant: Plant, machine_id: str) -> None:
    if machine_id not in {m.id for m in plant.machines()}:
        raise NotFoundError(f"no machine {machine_id!r} in plant {plant.site.id!r}")


def _window(
    start: datetime | None, end: datetime | None, now: datetime, default: timedelta
) -> tuple[datetime, datetime]:
    end = end or now
    start = start or end - default
    if start.tzinfo is None or end.tzinfo is None:
        raise DataError("start and end need a time zone offset (e.g. 2026-11-25T08:00:00+09:00)")
    if end <= start:
        raise DataError(f"end {end.isoformat()} is not after start {start.isoformat()}")
    return start.astimezone(UTC), end.astimezone(UTC)


def _signal_ids(store: Store, machine: str) -> dict[str, tuple[int, str, str]]:
    """Name -> (signal id, unit, kind) of ``machine``'s registered signals."""
    out: dict[str, tuple[int, str, str]] = {}
    for row in store.signals().to_pylist():
        if row["machine"] == machine:
            out[str(row["name"])] = (
                int(row["signal_id"]),
                str(row["unit"] or ""),
                str(row["kind"] or ""),
            )
    return out


class SignalPublic(BaseModel):
    """A stored signal of a machine and its newest sample."""

    name: str
    unit: str
    kind: str = Field(description="analog, digital, ... or derived (computed, e.g. health).")
    last_ts: datetime | None
    last_value: float | None


class BucketPublic(BaseModel):
    """One bucket of a downsampled signal."""

    ts: datetime
    n: int
    mean: float | None
    min: float | None
    max: float | None


class HistoryPublic(BaseModel):
    """A signal over [start, end) in buckets of ``bucket_s`` seconds."""

    machine: str
    signal: str
    unit: str
    start: datetime
    end: datetime
    bucket_s: float
    points: list[BucketPublic]


class StatePublic(BaseModel):
    """One state interval (not clipped: ``start`` names it; an open one ends at the window end)."""

    start: datetime
    end: datetime
    state: str
    reason: str
    order: str
    product: str


class SpcPublic(BaseModel):
    """A control chart: points, limits, which points break which rule, capability."""

    machine: str
    signal: str
    chart: str
    timestamps: list[datetime]
    values: list[float | None]
    center: list[float | None]
    lcl: list[float | None]
    ucl: list[float | None]
    violations: dict[str, list[int]] = Field(description="Rule code -> indices of points.")
    capability: dict[str, float | None] | None


class MovePublic(BaseModel):
    """An operation a re-plan moved, and why."""

    order: str
    operation: str
    old_machine: str | None
    new_machine: str
    old_start: datetime | None
    new_start: datetime
    reason: str


class PlanItemPublic(BaseModel):
    """A bar of the Gantt chart: a production operation or a maintenance window."""

    kind: Literal["operation", "maintenance"]
    machine: str
    start: datetime
    end: datetime
    order: str | None = None
    product: str | None = None
    operation: str | None = None
    work_order_id: str | None = None


class PlanPublic(BaseModel):
    """A stored production plan as the schedule page reads it."""

    id: str
    created: datetime
    status: str
    reason: str
    summary_en: str
    summary_ko: str
    decision_id: str | None
    previous_id: str | None
    makespan_min: int
    weighted_tardiness: int
    items: list[PlanItemPublic]
    moves: list[MovePublic]


class LanguageUpdate(BaseModel):
    """The language the signed-in user reads the pages in."""

    model_config = ConfigDict(extra="forbid")

    language: str = Field(description=f"One of {LOCALES}.")


class LanguagePublic(BaseModel):
    """The user's page language after the change."""

    language: str


def _float(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if np.isfinite(value) else None


@router.get(
    "/machines/{machine_id}/signals",
    operation_id="list_machine_signals",
    response_model=list[SignalPublic],
    responses=_ERRORS,
    dependencies=_VIEW,
)
def list_machine_signals(machine_id: str, plant: PlantDep, store: StoreDep) -> list[SignalPublic]:
    """The machine's stored signals with their newest sample."""
    _machine(plant, machine_id)
    db = _store(store)
    ids = _signal_ids(db, machine_id)
    latest = {
        int(r["signal_id"]): r
        for r in db.latest_samples([i for i, _, _ in ids.values()]).to_pylist()
    }
    out = []
    for name, (sid, unit, kind) in ids.items():
        row = latest.get(sid)
        out.append(
            SignalPublic(
                name=name,
                unit=unit,
                kind=kind,
                last_ts=row["ts"] if row else None,
                last_value=_float(row["value"]) if row else None,
            )
        )
    return out


@router.get(
    "/machines/{machine_id}/signals/{name}/history",
    operation_id="get_signal_history",
    response_model=HistoryPublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_signal_history(  # noqa: PLR0917 - query parameters
    machine_id: str,
    name: str,
    plant: PlantDep,
    live: LiveDep,
    store: StoreDep,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Annotated[float | None, Query(gt=0, description="Bucket in seconds.")] = None,
) -> HistoryPublic:
    """One signal over [start, end) downsampled to mean/min/max per bucket (default 8 h)."""
    _machine(plant, machine_id)
    db = _store(store)
    ids = _signal_ids(db, machine_id)
    if name not in ids:
        raise NotFoundError(f"no signal {name!r} on machine {machine_id!r}")
    lo, hi = _window(start, end, live.snapshot().timestamp, timedelta(hours=8))
    span = (hi - lo).total_seconds()
    size = max(bucket or span / 300, span / MAX_BUCKETS, 1.0)
    sid, unit, _ = ids[name]
    table = db.aggregate_samples([sid], lo, hi, timedelta(seconds=size))
    points = [
        BucketPublic(
            ts=r["bucket"],
            n=int(r["n"]),
            mean=_float(r["mean"]),
            min=_float(r["min"]),
            max=_float(r["max"]),
        )
        for r in table.to_pylist()
    ]
    return HistoryPublic(
        machine=machine_id,
        signal=name,
        unit=unit,
        start=lo,
        end=hi,
        bucket_s=size,
        points=points,
    )


@router.get(
    "/machines/{machine_id}/states",
    operation_id="list_machine_states",
    response_model=list[StatePublic],
    responses=_ERRORS,
    dependencies=_VIEW,
)
def list_machine_states(  # noqa: PLR0917 - query parameters
    machine_id: str,
    plant: PlantDep,
    live: LiveDep,
    store: StoreDep,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[StatePublic]:
    """State intervals of the machine overlapping [start, end) (default: the last 8 hours)."""
    _machine(plant, machine_id)
    lo, hi = _window(start, end, live.snapshot().timestamp, timedelta(hours=8))
    table = _store(store).query_states(lo, hi, [machine_id])
    out = []
    for r in table.to_pylist():
        a = r["start"]
        b = r["end"] or max(hi, a)
        try:
            state = MachineState(int(r["state"])).label
        except ValueError:
            state = MachineState.UNKNOWN.label
        out.append(
            StatePublic(
                start=a,
                end=b,
                state=state,
                reason=r["reason"] or "",
                order=r["order_id"] or "",
                product=r["product"] or "",
            )
        )
    return out


def _floats(values: object) -> list[float | None]:
    return [_float(v) for v in np.asarray(values, dtype=np.float64).tolist()]


@router.get(
    "/kpi/spc",
    operation_id="get_kpi_spc",
    response_model=SpcPublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_kpi_spc(
    *,
    plant: PlantDep,
    live: LiveDep,
    store: StoreDep,
    machine: str,
    signal: str = "scrap",
    start: datetime | None = None,
    end: datetime | None = None,
    chart: Annotated[str | None, Query(description="imr, xbar_r, xbar_s; p, np, c, u.")] = None,
    lsl: float | None = None,
    usl: float | None = None,
) -> SpcPublic:
    """A control chart of ``signal`` (or of scrap) over [start, end) (default 24 h)."""
    _machine(plant, machine)
    lo, hi = _window(start, end, live.snapshot().timestamp, timedelta(hours=24))
    db = _store(store)
    if signal == "scrap":
        kind = chart or "p"
        if kind not in ("p", "np", "c", "u"):
            raise DataError(f"chart {kind!r} is not an attribute chart (p, np, c, u)")
        try:
            attr = spc_scrap(
                db, plant, machine, lo, hi, chart=cast("_Attr", kind), write_alerts=False
            )
        except ValueError as err:
            raise DataError(str(err)) from err
        location, stamps, hits, cap = attr.chart, attr.ends, attr.hits, None
    else:
        kind = chart or "imr"
        if kind not in ("imr", "xbar_r", "xbar_s"):
            raise DataError(f"chart {kind!r} is not a variables chart (imr, xbar_r, xbar_s)")
        result = spc_signal(
            db,
            machine,
            signal,
            lo,
            hi,
            chart=cast("_Var", kind),
            lsl=lsl,
            usl=usl,
            write_alerts=False,
        )
        location, stamps, hits = result.location, result.timestamps, result.hits
        cap = result.capability.model_dump() if result.capability is not None else None
    violations = {
        code: [int(i) for i in np.asarray(index).tolist()]
        for code, index in hits.items()
        if np.asarray(index).size
    }
    return SpcPublic(
        machine=machine,
        signal=signal,
        chart=kind,
        timestamps=list(stamps),
        values=_floats(location.values),
        center=_floats(location.center),
        lcl=_floats(location.lcl),
        ucl=_floats(location.ucl),
        violations=violations,
        capability=cap,
    )


class AlertPublic(BaseModel):
    """An SPC alert: a run rule broken on a machine's chart."""

    ts: datetime
    machine: str
    signal: str
    message: str
    rules: list[str]


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


@router.get(
    "/alerts/spc",
    operation_id="list_spc_alerts",
    response_model=list[AlertPublic],
    responses=_ERRORS,
    dependencies=_VIEW,
)
def list_spc_alerts(
    live: LiveDep,
    store: StoreDep,
    hours: Annotated[float, Query(gt=0, le=24 * 31)] = 24.0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AlertPublic]:
    """SPC alerts of the last ``hours`` before the plant's clock, newest first."""
    end = live.snapshot().timestamp
    events = _store(store).query_events(
        end - timedelta(hours=hours), end + timedelta(seconds=1), [SPC_EVENT]
    )
    out = [
        AlertPublic(
            ts=e.timestamp,
            machine=str(e.data.get("machine", e.source)),
            signal=str(e.data.get("signal", "")),
            message=e.message,
            rules=[str(r) for r in _list(e.data.get("rules"))],
        )
        for e in reversed(events)
    ]
    return out[:limit]


def _plan(p: ProductionPlan) -> PlanPublic:
    items = [
        PlanItemPublic(
            kind="operation",
            machine=o.machine,
            start=o.start,
            end=o.end,
            order=o.order,
            product=o.product,
            operation=o.operation,
        )
        for o in p.operations
    ]
    items += [
        PlanItemPublic(
            kind="maintenance",
            machine=m.machine,
            start=m.start,
            end=m.end,
            work_order_id=m.work_order_id,
        )
        for m in p.maintenance
    ]
    return PlanPublic(
        id=p.id,
        created=p.created,
        status=p.status,
        reason=p.reason,
        summary_en=p.summary_en,
        summary_ko=p.summary_ko,
        decision_id=p.decision_id,
        previous_id=p.previous_id,
        makespan_min=p.makespan_min,
        weighted_tardiness=p.weighted_tardiness,
        items=items,
        moves=[
            MovePublic(
                order=m.order,
                operation=m.operation,
                old_machine=m.old_machine,
                new_machine=m.new_machine,
                old_start=m.old_start,
                new_start=m.new_start,
                reason=m.reason,
            )
            for m in p.moves
        ],
    )


@router.get(
    "/plans/current",
    operation_id="get_current_plan",
    response_model=PlanPublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_current_plan(store: StoreDep) -> PlanPublic:
    """The active production plan; 404 before the first one."""
    plan = current_plan(_store(store))
    if plan is None:
        raise NotFoundError("no active production plan yet")
    return _plan(plan)


@router.get(
    "/plans",
    operation_id="list_plans",
    response_model=list[PlanPublic],
    responses=_ERRORS,
    dependencies=_VIEW,
)
def list_plans(
    store: StoreDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[PlanPublic]:
    """The latest production plans of every status, newest first."""
    return [_plan(p) for p in plan_history(_store(store), limit)]


@router.put(
    "/me/language",
    operation_id="set_my_language",
    response_model=LanguagePublic,
    responses=_ERRORS,
)
def set_my_language(
    body: LanguageUpdate, user: CurrentUser, accounts: AccountsDep, response: Response
) -> LanguagePublic:
    """Store the page language on the signed-in user and remember it in this browser.

    The ``sf_lang`` cookie makes the pages speak it; the user record keeps it for the
    next browser (and for reports and messages addressed to the user).
    """
    if body.language not in LOCALES:
        raise DataError(f"unsupported language {body.language!r}; use one of {LOCALES}")
    store = accounts.require_store()
    record = update_user(store, user.user_id, locale=body.language, actor=user.username)
    response.set_cookie(
        LANGUAGE_COOKIE,
        record.locale,
        max_age=LANGUAGE_COOKIE_MAX_AGE_S,
        path="/",
        samesite="strict",
        httponly=True,
    )
    return LanguagePublic(language=record.locale)
