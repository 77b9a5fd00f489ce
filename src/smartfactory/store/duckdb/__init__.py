"""The embedded DuckDB backend of the store (the default): :class:`DuckDBStore`."""

from __future__ import annotations

from smartfactory.store.duckdb.backend import DuckDBStore
from smartfactory.store.duckdb.convert import AGGREGATE_SCHEMA, SIGNAL_SCHEMA

__all__ = ["AGGREGATE_SCHEMA", "SIGNAL_SCHEMA", "DuckDBStore"]
