"""Roles, permissions and the matrix that joins them (documented in ``docs/security.md``).

Five roles, from least to most trusted: ``viewer`` looks, ``operator`` runs machines
(downtime reasons, confirming work orders at the machine), ``maintenance`` runs work orders
and answers maintenance decisions, ``planner`` owns the production schedule and its decisions,
``admin`` configures the plant, connectors, autonomy levels and users.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ROLE_PERMISSIONS", "Permission", "Role", "allowed"]


class Role(StrEnum):
    """A user's role; each grants the permissions listed in :data:`ROLE_PERMISSIONS`."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    MAINTENANCE = "maintenance"
    PLANNER = "planner"
    ADMIN = "admin"


class Permission(StrEnum):
    """One thing a request may do."""

    VIEW = "view"
    """Read the plant, live state, KPIs, predictions, work orders, decisions, schedule."""
    ASSIGN_REASON = "assign_reason"
    """Give a downtime its reason."""
    CONFIRM_WORK_ORDER = "confirm_work_order"
    """Confirm at the machine that a work order was done (operator view)."""
    MANAGE_WORK_ORDERS = "manage_work_orders"
    """Create, schedule, start, close and edit maintenance work orders."""
    DECIDE_MAINTENANCE = "decide_maintenance"
    """Approve or reject maintenance decisions."""
    DECIDE_PRODUCTION = "decide_production"
    """Approve or reject schedule changes; re-plan production."""
    CONFIGURE = "configure"
    """Change the plant model, connectors, autonomy levels and guardrails; clear quarantine."""
    MANAGE_USERS = "manage_users"
    """Create, change and disable users and API tokens; read the audit log."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.OPERATOR: frozenset(
        {Permission.VIEW, Permission.ASSIGN_REASON, Permission.CONFIRM_WORK_ORDER}
    ),
    Role.MAINTENANCE: frozenset(
        {
            Permission.VIEW,
            Permission.ASSIGN_REASON,
            Permission.CONFIRM_WORK_ORDER,
            Permission.MANAGE_WORK_ORDERS,
            Permission.DECIDE_MAINTENANCE,
        }
    ),
    Role.PLANNER: frozenset(
        {Permission.VIEW, Permission.DECIDE_PRODUCTION, Permission.DECIDE_MAINTENANCE}
    ),
    Role.ADMIN: frozenset(Permission),
}
"""What each role may do; ``admin`` may do everything."""


def allowed(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission`` (an unknown role grants nothing)."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
