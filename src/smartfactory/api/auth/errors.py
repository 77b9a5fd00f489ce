"""Errors of accounts and access control; :mod:`smartfactory.api.errors` maps them to HTTP.

::

    FactoryError
    ├── NotAuthenticatedError      401  no valid session cookie or bearer token
    │   └── InvalidCredentialsError  401  wrong username or password (never says which)
    ├── PermissionDeniedError      403  signed in, but the role lacks the permission
    │   └── CsrfError              403  a cookie request changing state without its CSRF token
    ├── RateLimitedError           429  too many failed sign-ins; ``retry_after_s`` says when
    └── DataError
        └── ConflictError          409  the name is taken, or the change would lock admins out
"""

from __future__ import annotations

from smartfactory.errors import DataError, FactoryError

__all__ = [
    "ConflictError",
    "CsrfError",
    "InvalidCredentialsError",
    "NotAuthenticatedError",
    "PermissionDeniedError",
    "RateLimitedError",
]


class NotAuthenticatedError(FactoryError):
    """The request carries no valid session or token."""


class InvalidCredentialsError(NotAuthenticatedError):
    """A sign-in failed; the message is the same whether or not the user exists."""


class PermissionDeniedError(FactoryError):
    """The signed-in user's role does not grant what the request needs."""


class CsrfError(PermissionDeniedError):
    """A cookie-authenticated request that changes state lacks a valid ``X-CSRF-Token``."""


class RateLimitedError(FactoryError):
    """Too many failed sign-ins from this address or for this user name."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConflictError(DataError):
    """The change conflicts with existing records (a taken name, the last admin)."""
