"""The embedded DuckDB backend of the store (the default): :class:`DuckDBStore`."""

from __future__ import annotations

from smartfactory.store.duckdb.backend import DuckDBStore

__all__ = ["DuckDBStore"]
