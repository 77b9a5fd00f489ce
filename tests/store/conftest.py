"""Fixtures for the store contract suite: one parametrised ``store`` per backend.

A backend is listed in ``BACKENDS`` with a function that opens it at a test's private
location; opening it again at the same location must see the same data (persistence tests
use ``reopen``). The PostgreSQL backend will add itself here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smartfactory.store import DuckDBStore, Store


def _open_duckdb(tmp_path: Path) -> Store:
    return DuckDBStore(tmp_path / "plant.duckdb")


BACKENDS: dict[str, Callable[[Path], Store]] = {"duckdb": _open_duckdb}


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Open the backend at this test's location; every store opened is closed at teardown."""
    opened: list[Store] = []

    def open_() -> Store:
        store = BACKENDS[request.param](tmp_path)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen: Callable[[], Store]) -> Store:
    """A fresh, empty store of each backend."""
    return reopen()
