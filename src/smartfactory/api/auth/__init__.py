"""Accounts, roles, sessions and API tokens of the HTTP API and the dashboard."""

from __future__ import annotations

from smartfactory.api.auth.permissions import ROLE_PERMISSIONS, Permission, Role, allowed

__all__ = ["ROLE_PERMISSIONS", "Permission", "Role", "allowed"]
