"""Storage of a plant's time series and records behind one protocol, :class:`Store`.

``open_store(path)`` opens (creating it and its folder if needed) the embedded DuckDB file,
the default backend; other backends implement the same protocol and pass the same contract
tests (``tests/store/test_store_contract.py``).
"""

from __future__ import annotations

from pathlib import Path

from smartfactory.store.base import (
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    STATE_SCHEMA,
    SignalKey,
    Store,
)
from smartfactory.store.duckdb import AGGREGATE_SCHEMA, SIGNAL_SCHEMA, DuckDBStore

__all__ = [
    "AGGREGATE_SCHEMA",
    "COUNT_SCHEMA",
    "ORDER_SCHEMA",
    "SAMPLE_SCHEMA",
    "SIGNAL_SCHEMA",
    "STATE_SCHEMA",
    "DuckDBStore",
    "SignalKey",
    "Store",
    "open_store",
]


def open_store(path: Path | str) -> Store:
    """Open the embedded DuckDB store at ``path``, creating the file and its parent folders.

    ``":memory:"`` opens a private in-memory database.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return DuckDBStore(path)
