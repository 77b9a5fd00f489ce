"""``GET /health``: the server is up."""

from __future__ import annotations

from fastapi import APIRouter

from smartfactory.api.schemas import HealthPublic

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="get_health", response_model=HealthPublic)
def get_health() -> HealthPublic:
    """Say the server is up: always ``{"status": "ok"}``."""
    return HealthPublic()
