"""JSON routes under ``/api/v1``, one module per resource.

Two routers, both included by :func:`smartfactory.api.create_app` under ``/api/v1``:

* :data:`public_router` — the only routes open without signing in: ``GET /health`` and
  ``POST /auth/login``. Add nothing here without a security review.
* :data:`router` — everything else. It requires a signed-in user (session cookie or API
  token; 401 otherwise) for every route included in it, so a new resource module is protected
  by adding one line ``router.include_router(module.router)``. Routes then state their
  permission with ``Depends(require(Permission.X))`` (403 when the role lacks it); reading
  needs :attr:`Permission.VIEW`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from smartfactory.api.auth.deps import current_user, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.routes import (
    auth,
    connectors,
    decisions,
    diagnosis,
    health,
    kpi,
    live,
    maintenance,
    plant,
    signals,
    users,
    workorders,
)

__all__ = ["public_router", "router"]

public_router = APIRouter()
public_router.include_router(health.router)
public_router.include_router(auth.public_router)

router = APIRouter(dependencies=[Depends(current_user)])
router.include_router(auth.router)
router.include_router(users.router)
router.include_router(plant.router, dependencies=[Depends(require(Permission.VIEW))])
router.include_router(live.router, dependencies=[Depends(require(Permission.VIEW))])
router.include_router(kpi.router)
router.include_router(connectors.router)
router.include_router(workorders.router)
router.include_router(decisions.router)
router.include_router(maintenance.router)
router.include_router(signals.router)
router.include_router(diagnosis.router)
