"""Map the :class:`~smartfactory.errors.FactoryError` tree onto JSON HTTP errors.

Domain and service code raise our own errors, never ``HTTPException``; this module is the one
place that decides their status codes:

==========================  ======  ================================================
error                       status  body ``type``
==========================  ======  ================================================
NotFoundError               404     ``not_found``
DataError                   422     ``invalid_data``
ConfigError                 500     ``configuration_error``
StoreError                  503     ``store_unavailable``
any other FactoryError      500     ``internal_error``
==========================  ======  ================================================

The body is ``{"detail": <message>, "type": <type>}`` so clients can read ``detail`` the same
way as FastAPI's own 404 and validation errors.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from smartfactory.errors import ConfigError, DataError, FactoryError, NotFoundError, StoreError

__all__ = ["error_status", "install_error_handlers"]

logger = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[FactoryError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
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


async def _handle_factory_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FactoryError)  # noqa: S101 - registered for FactoryError only
    status, name = error_status(error)
    message = str(error) or type(error).__name__
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, message)
        if status == 500 and name == "internal_error":
            message = f"internal error ({type(error).__name__}): {message}"
    return JSONResponse({"detail": message, "type": name}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Register the FactoryError handler on ``app``."""
    app.add_exception_handler(FactoryError, _handle_factory_error)
