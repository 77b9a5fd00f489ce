"""Maintenance routes: machine health (index, anomaly score, contributions, RUL) and models.

Thin adapters over :mod:`smartfactory.maintenance.service` and
:class:`~smartfactory.maintenance.versions.ModelRegistry`. When the application runs a live
maintenance service (``AppContext.maintenance``, a
:class:`~smartfactory.maintenance.live.LiveMaintenance`), readings come from its memory with
the top contributing signals; otherwise from the latest ``derived`` samples in the store.
Every route needs :attr:`Permission.VIEW`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from smartfactory.api.auth.deps import require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import SettingsDep, StoreDep, get_context
from smartfactory.api.schemas import ErrorPublic
from smartfactory.errors import StoreError
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.maintenance.monitor import version_drift
from smartfactory.maintenance.service import MachineHealth, machine_health, plant_health
from smartfactory.maintenance.versions import ModelRegistry, default_root
from smartfactory.settings import Settings
from smartfactory.store.base import Store

__all__ = ["router"]

router = APIRouter(tags=["maintenance"], dependencies=[Depends(require(Permission.VIEW))])

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic, "description": "No reading or model version yet."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}


class ContributionPublic(BaseModel):
    """One signal's share of the anomaly score and its distance from normal in sigmas."""

    signal: str
    share: float
    sigmas: float


class RULPublic(BaseModel):
    """Remaining useful life in hours: median and 10 % / 90 % bounds."""

    median_h: float
    p10_h: float
    p90_h: float


class MachineHealthPublic(BaseModel):
    """The health of one machine now."""

    machine: str
    health: float
    anomaly_score: float
    alert: bool
    contributions: list[ContributionPublic]
    rul: RULPublic | None
    model_version: str
    updated: datetime


class ModelVersionPublic(BaseModel):
    """One trained model version (``drift`` only on the single-version route)."""

    id: str
    kind: str
    scope: str
    version: int
    created: datetime
    status: str
    data_start: datetime | None
    data_end: datetime | None
    features: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any]
    code_version: str
    artifact: str
    sha256: str
    drift: dict[str, Any] | None = None


def _public(h: MachineHealth) -> MachineHealthPublic:
    return MachineHealthPublic(
        machine=h.machine,
        health=h.health,
        anomaly_score=h.anomaly_score,
        alert=h.alert,
        contributions=[
            ContributionPublic(signal=c.signal, share=c.share, sigmas=c.sigmas)
            for c in h.contributions
        ],
        rul=None
        if h.rul is None
        else RULPublic(median_h=h.rul.median_h, p10_h=h.rul.p10_h, p90_h=h.rul.p90_h),
        model_version=h.model_version,
        updated=h.updated,
    )


def _live(request: Request) -> LiveMaintenance | None:
    return get_context(request).maintenance


def _store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("this server runs without a store; maintenance needs one")
    return store


def _registry(request: Request, store: Store, settings: Settings) -> ModelRegistry:
    service = _live(request)
    if service is not None and service.registry is not None:
        return service.registry
    path = getattr(store, "path", None)
    root = default_root(path) if isinstance(path, str) else Path(settings.workspace) / "models"
    return ModelRegistry(store, root)


@router.get(
    "/machines/{machine_id}/health",
    operation_id="get_machine_health",
    response_model=MachineHealthPublic,
    responses=_ERRORS,
)
def get_machine_health(
    machine_id: str, request: Request, store: StoreDep, settings: SettingsDep
) -> MachineHealthPublic:
    """Health index 0-100, anomaly score, top contributing signals and RUL of one machine."""
    service = _live(request)
    if service is not None:
        return _public(machine_health(service, machine_id))
    db = _store(store)
    return _public(machine_health(db, machine_id, _registry(request, db, settings)))


@router.get(
    "/health-index",
    operation_id="get_health_index",
    response_model=list[MachineHealthPublic],
    responses=_ERRORS,
)
def get_health_index(
    request: Request, store: StoreDep, settings: SettingsDep
) -> list[MachineHealthPublic]:
    """The health of every machine that has a reading, by machine id."""
    service = _live(request)
    if service is not None:
        return [_public(h) for h in plant_health(service)]
    db = _store(store)
    return [_public(h) for h in plant_health(db, _registry(request, db, settings))]


@router.get(
    "/models",
    operation_id="list_models",
    response_model=list[ModelVersionPublic],
    responses=_ERRORS,
)
def list_models(
    *,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    kind: str | None = None,
    scope: str | None = None,
    status: str | None = None,
) -> list[ModelVersionPublic]:
    """Trained model versions, optionally filtered by kind, scope and status."""
    registry = _registry(request, _store(store), settings)
    return [ModelVersionPublic(**mv.public()) for mv in registry.list(kind, scope, status)]


@router.get(
    "/models/{version_id}",
    operation_id="get_model",
    response_model=ModelVersionPublic,
    responses=_ERRORS,
)
def get_model(
    version_id: str,
    *,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    drift: bool = Query(default=False, description="Add the drift report (reads recent data)."),
    window_h: float = Query(default=24.0, gt=0, description="Hours of recent data for drift."),
) -> ModelVersionPublic:
    """One model version; with ``drift=true`` its PSI drift report and retrain verdict."""
    registry = _registry(request, _store(store), settings)
    mv = registry.get(version_id)
    report = version_drift(registry, mv, timedelta(hours=window_h)) if drift else None
    return ModelVersionPublic(**mv.public(), drift=report.public() if report else None)
