"""Accounts, roles, sessions and API tokens of the HTTP API and the dashboard.

* :mod:`.permissions` — roles, permissions and the matrix joining them;
* :mod:`.passwords` — argon2id hashing; :mod:`.users` — the ``users`` table;
* :mod:`.sessions` — cookie sessions with CSRF tokens; :mod:`.tokens` — bearer API tokens;
* :mod:`.ratelimit` — sign-in throttling; :mod:`.service` — :class:`Accounts`, sign-in;
* :mod:`.bootstrap` — the first admin; :mod:`.deps` — ``CurrentUser``, ``require(...)``
  (import it from there: it depends on :mod:`smartfactory.api.deps`).
"""

from __future__ import annotations

from smartfactory.api.auth.bootstrap import ensure_admin
from smartfactory.api.auth.errors import (
    ConflictError,
    CsrfError,
    InvalidCredentialsError,
    NotAuthenticatedError,
    PermissionDeniedError,
    RateLimitedError,
)
from smartfactory.api.auth.passwords import PasswordHasher
from smartfactory.api.auth.permissions import ROLE_PERMISSIONS, Permission, Role, allowed
from smartfactory.api.auth.ratelimit import LoginLimiter
from smartfactory.api.auth.service import Accounts
from smartfactory.api.auth.sessions import SessionPolicy
from smartfactory.api.auth.users import User

__all__ = [
    "ROLE_PERMISSIONS",
    "Accounts",
    "ConflictError",
    "CsrfError",
    "InvalidCredentialsError",
    "LoginLimiter",
    "NotAuthenticatedError",
    "PasswordHasher",
    "Permission",
    "PermissionDeniedError",
    "RateLimitedError",
    "Role",
    "SessionPolicy",
    "User",
    "allowed",
    "ensure_admin",
]
