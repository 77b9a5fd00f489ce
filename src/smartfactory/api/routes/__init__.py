"""JSON routes under ``/api/v1``, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from smartfactory.api.routes import health, kpi, live, plant

__all__ = ["router"]

router = APIRouter()
router.include_router(health.router)
router.include_router(plant.router)
router.include_router(live.router)
router.include_router(kpi.router)
