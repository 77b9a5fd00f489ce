"""The HTTP API and web server of smartfactory: ``create_app`` builds the FastAPI application.

Routes live in :mod:`smartfactory.api.routes` (JSON under ``/api/v1``) and
:mod:`smartfactory.web` (server-rendered pages and static files). Everything the routes need
arrives through :func:`create_app`; nothing is read from the environment at import time.
"""

from __future__ import annotations

from smartfactory.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
