"""Decision routes (``/decisions``, ``/autonomy``): the inbox, answers, undo, autonomy levels.

Thin adapters over :mod:`smartfactory.decisions.service`, :mod:`~smartfactory.decisions.log`
and :mod:`~smartfactory.decisions.autonomy`. Reading needs ``view``. Approving, rejecting and
undoing need ``decide_maintenance`` for maintenance decisions and ``decide_production`` for
schedule decisions; changing an autonomy level needs ``configure``. An answer the decision's
status does not allow (approving a rejected one, undoing a started job) answers 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.api.auth.deps import CurrentUser, Principal, require
from smartfactory.api.auth.errors import PermissionDeniedError
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import AccountsDep, AppliersDep, PlantDep, StoreDep
from smartfactory.api.routes.workorders import store_of
from smartfactory.api.schemas import ErrorPublic
from smartfactory.decisions import autonomy, service
from smartfactory.decisions.autonomy import PLANT_SCOPE, AutonomyLevel, AutonomySettings
from smartfactory.decisions.log import Decision, DecisionKind, DecisionStatus, get_decision
from smartfactory.decisions.log import list_decisions as list_log
from smartfactory.domain.assets import Plant
from smartfactory.errors import NotFoundError
from smartfactory.store.base import Store

__all__ = [
    "AlternativePublic",
    "AutonomyPublic",
    "AutonomyUpdate",
    "DecisionPage",
    "DecisionPublic",
    "Rejection",
    "router",
]

router = APIRouter(tags=["decisions"])

Viewer = Annotated[Principal, Depends(require(Permission.VIEW))]
Configurer = Annotated[Principal, Depends(require(Permission.CONFIGURE))]

_DECIDE = {
    DecisionKind.MAINTENANCE: Permission.DECIDE_MAINTENANCE,
    DecisionKind.SCHEDULE: Permission.DECIDE_PRODUCTION,
}

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "Not signed in."},
    403: {"model": ErrorPublic, "description": "The role lacks the permission."},
    404: {"model": ErrorPublic, "description": "No such decision or scope."},
    409: {"model": ErrorPublic, "description": "Not allowed in the decision's status."},
    422: {"model": ErrorPublic, "description": "Invalid values."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}


class AlternativePublic(BaseModel):
    """An option the decision considered."""

    name: str
    expected_cost: float
    start: datetime | None
    end: datetime | None
    description: str


class ExplanationPublic(BaseModel):
    """The plain-language explanation in both languages."""

    en: str
    ko: str


class DecisionPublic(BaseModel):
    """A decision as clients read it."""

    id: str
    ts: datetime
    kind: DecisionKind
    scope: str
    machine: str | None
    status: DecisionStatus
    autonomy: str = Field(description="The scope's autonomy level when it was proposed.")
    explanation: ExplanationPublic
    inputs: dict[str, Any]
    alternatives: list[AlternativePublic]
    chosen: str
    expected_benefit: float
    currency: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str = Field(description="Why it was rejected (empty otherwise).")
    fallback: list[dict[str, str]] = Field(
        description="Guardrails an autonomous decision broke (code, en, ko): why it waits."
    )
    work_order_id: str | None

    @classmethod
    def from_decision(cls, d: Decision) -> DecisionPublic:
        """Copy ``d``."""
        return cls(
            id=d.id,
            ts=d.ts,
            kind=d.kind,
            scope=d.scope,
            machine=d.machine,
            status=d.status,
            autonomy=d.autonomy,
            explanation=ExplanationPublic(en=d.explanation.en, ko=d.explanation.ko),
            inputs=d.inputs,
            alternatives=[
                AlternativePublic(
                    name=a.name,
                    expected_cost=a.expected_cost,
                    start=a.start,
                    end=a.end,
                    description=a.description,
                )
                for a in d.alternatives
            ],
            chosen=d.chosen,
            expected_benefit=d.expected_benefit,
            currency=d.currency,
            decided_by=d.decided_by,
            decided_at=d.decided_at,
            reason=d.reason,
            fallback=[dict(f) for f in d.fallback],
            work_order_id=d.work_order_id,
        )


class DecisionPage(BaseModel):
    """One page of decisions and how many match in all."""

    items: list[DecisionPublic]
    total: int
    limit: int
    offset: int


class Rejection(BaseModel):
    """Why a decision is rejected."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class AutonomyPublic(BaseModel):
    """The autonomy level and guardrails governing a scope."""

    scope: str
    level: AutonomyLevel
    frozen_horizon_h: float
    max_changes_per_day: int
    crew_capacity: int
    inherited_from: str | None = Field(
        description="'plant' or 'default' when the scope has no settings of its own."
    )
    updated: datetime | None
    updated_by: str | None

    @classmethod
    def from_settings(cls, scope: str, s: AutonomySettings, own: bool) -> AutonomyPublic:
        """Describe ``s`` as seen from ``scope``."""
        inherited = None if own else (s.scope if s.updated is not None else "default")
        return cls(
            scope=scope,
            level=s.level,
            frozen_horizon_h=s.frozen_horizon_h,
            max_changes_per_day=s.max_changes_per_day,
            crew_capacity=s.crew_capacity,
            inherited_from=inherited,
            updated=s.updated,
            updated_by=s.updated_by,
        )


class AutonomyUpdate(BaseModel):
    """New settings of a scope (omitted guardrails keep their current values)."""

    model_config = ConfigDict(extra="forbid")

    level: AutonomyLevel
    frozen_horizon_h: float | None = Field(default=None, ge=0, le=24 * 30)
    max_changes_per_day: int | None = Field(default=None, ge=0, le=10_000)
    crew_capacity: int | None = Field(default=None, ge=1, le=100)


def _check_scope(plant: Plant, scope: str) -> None:
    lines = {line.id for _, line in plant.lines()}
    if scope != PLANT_SCOPE and scope not in lines:
        raise NotFoundError(
            f"no scope {scope!r}: use 'plant' or a line id ({', '.join(sorted(lines))})"
        )


def _may_decide(user: Principal, decision: Decision) -> None:
    needed = _DECIDE[decision.kind]
    if not user.can(needed):
        raise PermissionDeniedError(
            f"role {user.role.value!r} lacks the permission {needed.value!r} for "
            f"{decision.kind.value} decisions"
        )


def _answerable(store: Store, user: Principal, decision_id: str) -> None:
    _may_decide(user, get_decision(store, decision_id))


@router.get(
    "/decisions", operation_id="list_decisions", response_model=DecisionPage, responses=_ERRORS
)
def list_decisions(
    *,
    user: Viewer,
    store: StoreDep,
    status: DecisionStatus | None = None,
    kind: DecisionKind | None = None,
    scope: str | None = None,
    machine: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # fits SQL BIGINT
) -> DecisionPage:
    """The decision inbox, newest first; ``status=proposed`` lists those awaiting an answer."""
    page = list_log(
        store_of(store),
        status=status,
        kind=kind,
        scope=scope,
        machine=machine,
        limit=limit,
        offset=offset,
    )
    return DecisionPage(
        items=[DecisionPublic.from_decision(d) for d in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/decisions/{decision_id}",
    operation_id="get_decision",
    response_model=DecisionPublic,
    responses=_ERRORS,
)
def get_one_decision(decision_id: str, user: Viewer, store: StoreDep) -> DecisionPublic:
    """One decision with what it saw, its alternatives and its explanation."""
    return DecisionPublic.from_decision(get_decision(store_of(store), decision_id))


@router.post(
    "/decisions/{decision_id}/approve",
    operation_id="approve_decision",
    response_model=DecisionPublic,
    responses=_ERRORS,
)
def approve_decision(
    decision_id: str,
    user: CurrentUser,
    store: StoreDep,
    accounts: AccountsDep,
    appliers: AppliersDep,
) -> DecisionPublic:
    """Approve a proposed decision, which applies it (a maintenance one creates its work order)."""
    db = store_of(store)
    _answerable(db, user, decision_id)
    decision = service.approve(
        db, decision_id, actor=user.username, now=accounts.now(), appliers=appliers
    )
    return DecisionPublic.from_decision(decision)


@router.post(
    "/decisions/{decision_id}/reject",
    operation_id="reject_decision",
    response_model=DecisionPublic,
    responses=_ERRORS,
)
def reject_decision(
    decision_id: str, body: Rejection, user: CurrentUser, store: StoreDep, accounts: AccountsDep
) -> DecisionPublic:
    """Reject a proposed decision, saying why."""
    db = store_of(store)
    _answerable(db, user, decision_id)
    decision = service.reject(db, decision_id, body.reason, actor=user.username, now=accounts.now())
    return DecisionPublic.from_decision(decision)


@router.post(
    "/decisions/{decision_id}/undo",
    operation_id="undo_decision",
    response_model=DecisionPublic,
    responses=_ERRORS,
)
def undo_decision(
    decision_id: str,
    user: CurrentUser,
    store: StoreDep,
    accounts: AccountsDep,
    appliers: AppliersDep,
) -> DecisionPublic:
    """Undo an applied decision where possible (cancels its work order if not started)."""
    db = store_of(store)
    _answerable(db, user, decision_id)
    decision = service.undo(
        db, decision_id, actor=user.username, now=accounts.now(), appliers=appliers
    )
    return DecisionPublic.from_decision(decision)


@router.get(
    "/autonomy",
    operation_id="list_autonomy",
    response_model=list[AutonomyPublic],
    responses=_ERRORS,
)
def list_autonomy(user: Viewer, store: StoreDep, plant: PlantDep) -> list[AutonomyPublic]:
    """The settings governing the plant and each line, in plant order."""
    db = store_of(store)
    scopes = [PLANT_SCOPE] + [line.id for _, line in plant.lines()]
    return [_describe(db, scope) for scope in scopes]


def _describe(store: Store, scope: str) -> AutonomyPublic:
    own = autonomy.get_settings(store, scope)
    if own is not None:
        return AutonomyPublic.from_settings(scope, own, own=True)
    return AutonomyPublic.from_settings(scope, autonomy.effective_settings(store, scope), own=False)


@router.get(
    "/autonomy/{scope}",
    operation_id="get_autonomy",
    response_model=AutonomyPublic,
    responses=_ERRORS,
)
def get_autonomy(scope: str, user: Viewer, store: StoreDep, plant: PlantDep) -> AutonomyPublic:
    """The settings governing ``scope`` ('plant' or a line id), own or inherited."""
    _check_scope(plant, scope)
    return _describe(store_of(store), scope)


@router.put(
    "/autonomy/{scope}",
    operation_id="set_autonomy",
    response_model=AutonomyPublic,
    responses=_ERRORS,
)
def set_autonomy(
    scope: str,
    *,
    body: AutonomyUpdate,
    user: Configurer,
    store: StoreDep,
    plant: PlantDep,
    accounts: AccountsDep,
) -> AutonomyPublic:
    """Set the level and guardrails of ``scope``; recorded in the audit log."""
    _check_scope(plant, scope)
    db = store_of(store)
    base = autonomy.effective_settings(db, scope)
    settings = AutonomySettings(
        scope=scope,
        level=body.level,
        frozen_horizon_h=base.frozen_horizon_h
        if body.frozen_horizon_h is None
        else body.frozen_horizon_h,
        max_changes_per_day=base.max_changes_per_day
        if body.max_changes_per_day is None
        else body.max_changes_per_day,
        crew_capacity=base.crew_capacity if body.crew_capacity is None else body.crew_capacity,
    )
    stored = autonomy.set_settings(db, settings, actor=user.username, now=accounts.now())
    return AutonomyPublic.from_settings(scope, stored, own=True)
