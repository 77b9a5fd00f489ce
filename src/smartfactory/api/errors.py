"""Map the :class:`~smartfactory.errors.FactoryError` tree onto JSON HTTP errors.

Domain and service code raise our own errors, never ``HTTPException``; this module is the one
place that decides their status codes:

==========================  ======  ================================================
error                       status  body ``type``
==========================  ======  ================================================
InvalidCredentialsError     401     ``invalid_credentials``
NotAuthenticatedError       401     ``not_authenticated`` (pages: 303 to ``/login``)
CsrfError                   403     ``csrf_failed``
PermissionDeniedError       403     ``forbidden``
RateLimitedError            429     ``rate_limited`` (with ``Retry-After``)
NotFoundError               404     ``not_found``
ConflictError               409     ``conflict``
DataError                   422     ``invalid_data``
ConfigError                 500     ``configuration_error``
StoreError                  503     ``store_unavailable``
any other FactoryError      500     ``internal_error``
==========================  ======  ================================================

The body is ``{"detail": <message>, "type": <type>}`` so clients can read ``detail`` the same
way as FastAPI's own 404 and validation errors. A 401 on a page (any path outside
``/api/``) is a redirect to the sign-in page instead, which comes back to the page after.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from smartfactory.api.auth.errors import (
    ConflictError,
    CsrfError,
    InvalidCredentialsError,
    NotAuthenticatedError,
    PermissionDeniedError,
    RateLimitedError,
)
from smartfactory.errors import (
    ConfigError,
    DataError,
    FactoryError,
    InvalidTransitionError,
    NotFoundError,
    StoreError,
)

__all__ = ["error_status", "install_error_handlers"]

logger = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[FactoryError], int, str], ...] = (
    (InvalidCredentialsError, 401, "invalid_credentials"),
    (NotAuthenticatedError, 401, "not_authenticated"),
    (CsrfError, 403, "csrf_failed"),
    (PermissionDeniedError, 403, "forbidden"),
    (RateLimitedError, 429, "rate_limited"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InvalidTransitionError, 409, "conflict"),
    (DataError, 422, "invalid_data"),
    (ConfigError, 500, "configuration_error"),
    (StoreError, 503, "store_unavailable"),
)


def error_status(error: FactoryError) -> tuple[int, str]:
    """The HTTP status and error type name for ``error``."""
    for kind, status, name in _STATUS:
        if isinstance(error, kind):
            return status, name
    return 500, "internal_error"


def _is_page(request: Request) -> bool:
    root = request.scope.get("root_path", "")
    path = request.url.path.removeprefix(root)
    return not path.startswith("/api/")


def _login_redirect(request: Request) -> RedirectResponse:
    root = request.scope.get("root_path", "")
    here = request.url.path.removeprefix(root) or "/"
    if request.url.query:
        here += "?" + request.url.query
    return RedirectResponse(f"{root}/login?next={quote(here, safe='')}", status_code=303)


async def _handle_factory_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FactoryError)  # noqa: S101 - registered for FactoryError only
    status, name = error_status(error)
    if status == 401 and _is_page(request):
        return _login_redirect(request)
    message = str(error) or type(error).__name__
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, message)
        if status == 500 and name == "internal_error":
            message = f"internal error ({type(error).__name__}): {message}"
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="smartfactory"'
    if isinstance(error, RateLimitedError):
        headers["Retry-After"] = str(error.retry_after_s)
    return JSONResponse({"detail": message, "type": name}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the FactoryError handler on ``app``."""
    app.add_exception_handler(FactoryError, _handle_factory_error)
