"""The PostgreSQL (server) backend of the store: :class:`PostgresStore`."""

from __future__ import annotations

from smartfactory.store.postgres.backend import DEFAULT_SCHEMA, PostgresStore

__all__ = ["DEFAULT_SCHEMA", "PostgresStore"]
