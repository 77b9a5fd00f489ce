"""The ``smartfactory`` command line: one module per command group, thin over the services."""

from __future__ import annotations

from smartfactory.cli.main import app, main

__all__ = ["app", "main"]
