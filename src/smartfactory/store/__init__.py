"""Storage of a plant's time series and records behind one protocol, :class:`Store`.

``open_store(path)`` opens (creating it and its folder if needed) the embedded DuckDB file,
the default backend, or, given a ``postgresql://`` URL, the PostgreSQL server backend
(:class:`PostgresStore`); both implement the same protocol and pass the same contract
tests (``tests/store/test_store_contract.py``).
"""

from __future__ import annotations

from pathlib import Path

from smartfactory.store.base import (
    AGGREGATE_SCHEMA,
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    SIGNAL_SCHEMA,
    STATE_SCHEMA,
    SignalKey,
    Store,
)
from smartfactory.store.duckdb import DuckDBStore
from smartfactory.store.postgres import PostgresStore

__all__ = [
    "AGGREGATE_SCHEMA",
    "COUNT_SCHEMA",
    "ORDER_SCHEMA",
    "SAMPLE_SCHEMA",
    "SIGNAL_SCHEMA",
    "STATE_SCHEMA",
    "DuckDBStore",
    "PostgresStore",
    "SignalKey",
    "Store",
    "open_store",
]


_URL_SCHEMES = ("postgresql://", "postgres://")


def open_store(path: Path | str) -> Store:
    """Open the store at ``path``: a ``postgresql://`` URL or an embedded DuckDB file.

    A URL opens :class:`PostgresStore` in its default schema (``smartfactory``), creating or
    migrating its tables. Otherwise ``path`` is a DuckDB file, created with its parent
    folders if needed; ``":memory:"`` opens a private in-memory database.
    """
    if isinstance(path, str) and path.startswith(_URL_SCHEMES):
        return PostgresStore(path)
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return DuckDBStore(path)
