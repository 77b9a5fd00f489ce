"""Autonomy levels and guardrails, per plant or per line.

``advise``
    decisions are recommendations only; nothing changes unless a person acts on one.
``approve``
    a person approves (which applies it) or rejects each decision, through the API or CLI.
``autonomous``
    a decision is applied at once when it stays within the guardrails
    (:mod:`smartfactory.decisions.guardrails`); otherwise it waits for approval, saying why.

Settings are kept per scope (``"plant"`` or a line id) as rows of the ``plans`` record table
with ``kind = 'autonomy'`` and ``id = 'autonomy:<scope>'`` (the plant file is not the place:
they change at run time, by people with the ``configure`` permission, and every change is in
the audit log). A line without its own row follows the plant's; with no row at all the level
is ``advise``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum

from smartfactory.errors import DataError
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "PLANT_SCOPE",
    "AutonomyLevel",
    "AutonomySettings",
    "effective_settings",
    "get_settings",
    "list_settings",
    "set_settings",
]

PLANT_SCOPE = "plant"
"""The scope name of plant-wide settings (every other scope is a line id)."""


class AutonomyLevel(StrEnum):
    """How far the system may act on its own decisions."""

    ADVISE = "advise"
    APPROVE = "approve"
    AUTONOMOUS = "autonomous"


@dataclass(frozen=True, slots=True)
class AutonomySettings:
    """The level of one scope and the guardrails that bound ``autonomous``.

    ``frozen_horizon_h``: no autonomous change may touch the next hours (a person decides
    those); ``max_changes_per_day``: autonomous applications per rolling 24 h in the scope;
    ``crew_capacity``: maintenance jobs that may overlap in time plant-wide (crews). ``scope``
    says where the settings come from (a line's own row, the plant's, or the default).
    """

    scope: str = PLANT_SCOPE
    level: AutonomyLevel = AutonomyLevel.ADVISE
    frozen_horizon_h: float = 4.0
    max_changes_per_day: int = 5
    crew_capacity: int = 1
    updated: datetime | None = None
    updated_by: str | None = None

    def __post_init__(self) -> None:
        if self.frozen_horizon_h < 0:
            raise DataError("the frozen horizon cannot be negative")
        if self.max_changes_per_day < 0:
            raise DataError("max changes per day cannot be negative")
        if self.crew_capacity < 1:
            raise DataError("crew capacity must be at least 1")


def _key(scope: str) -> str:
    if not scope.strip():
        raise DataError("an autonomy scope is 'plant' or a line id")
    return f"autonomy:{scope}"


def _decode(scope: str, created: datetime, data: str) -> AutonomySettings:
    raw = json.loads(data)
    return AutonomySettings(
        scope=scope,
        level=AutonomyLevel(raw["level"]),
        frozen_horizon_h=float(raw["frozen_horizon_h"]),
        max_changes_per_day=int(raw["max_changes_per_day"]),
        crew_capacity=int(raw["crew_capacity"]),
        updated=created.astimezone(UTC),
        updated_by=raw.get("updated_by"),
    )


def get_settings(store: Store, scope: str) -> AutonomySettings | None:
    """The settings stored for exactly this scope, or None."""
    rows = store.query(
        "SELECT created, data FROM plans WHERE id = ? AND kind = 'autonomy'", [_key(scope)]
    )
    return _decode(scope, rows[0][0], rows[0][1]) if rows else None


def effective_settings(store: Store, scope: str) -> AutonomySettings:
    """The settings that govern ``scope``: its own, else the plant's, else ``advise``."""
    own = get_settings(store, scope)
    if own is not None:
        return own
    if scope != PLANT_SCOPE:
        plant = get_settings(store, PLANT_SCOPE)
        if plant is not None:
            return plant
    return AutonomySettings(scope=PLANT_SCOPE)


def list_settings(store: Store) -> list[AutonomySettings]:
    """Every stored scope's settings, the plant first, then lines by id."""
    rows = store.query("SELECT id, created, data FROM plans WHERE kind = 'autonomy' ORDER BY id")
    found = [_decode(str(r[0]).removeprefix("autonomy:"), r[1], r[2]) for r in rows]
    return sorted(found, key=lambda s: (s.scope != PLANT_SCOPE, s.scope))


def set_settings(
    store: Store, settings: AutonomySettings, *, actor: str, now: datetime
) -> AutonomySettings:
    """Store ``settings`` for ``settings.scope`` (replacing any) and audit the change."""
    at = now.astimezone(UTC)
    body = {
        "level": AutonomyLevel(settings.level).value,
        "frozen_horizon_h": settings.frozen_horizon_h,
        "max_changes_per_day": settings.max_changes_per_day,
        "crew_capacity": settings.crew_capacity,
        "updated_by": actor,
    }
    before = get_settings(store, settings.scope)
    store.execute_all(
        [
            (
                "INSERT INTO plans (id, created, kind, status, reason, data)"
                " VALUES (?, ?, 'autonomy', 'active', '', ?)"
                " ON CONFLICT (id) DO UPDATE SET created = excluded.created, data = excluded.data",
                [_key(settings.scope), at, json.dumps(body)],
            ),
            entry(
                actor,
                "autonomy.set",
                settings.scope,
                {
                    "before": None if before is None else _public(before),
                    "after": {k: v for k, v in body.items() if k != "updated_by"},
                },
                ts=at,
            ),
        ]
    )
    stored = get_settings(store, settings.scope)
    assert stored is not None  # noqa: S101 - just written
    return stored


def _public(settings: AutonomySettings) -> dict[str, object]:
    data = asdict(settings)
    data["level"] = settings.level.value
    data.pop("updated", None)
    data.pop("updated_by", None)
    data.pop("scope", None)
    return data
