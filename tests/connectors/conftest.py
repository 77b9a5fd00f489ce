"""Fixtures of the connector tests, and the asyncio task-leak check.

Every test here runs its coroutines through ``asyncio.run``; the autouse fixture replaces it
with a version that fails the test when the coroutine returns leaving tasks behind (the
thread check lives in tests/conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smartfactory.store import DuckDBStore

_real_run = asyncio.run


def _checked_run(main: Coroutine[Any, Any, Any], **kwargs: Any) -> Any:
    async def wrapper() -> Any:
        result = await main
        for _ in range(5):  # let tasks that are finishing finish
            await asyncio.sleep(0)
        me = asyncio.current_task()
        left = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        for t in left:
            t.cancel()
        assert not left, f"test left asyncio tasks running: {[t.get_name() for t in left]}"
        return result

    return _real_run(wrapper(), **kwargs)


@pytest.fixture(autouse=True)
def _no_leaked_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test whose asyncio.run leaves tasks behind."""
    monkeypatch.setattr(asyncio, "run", _checked_run)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    """A fresh embedded store, closed at teardown."""
    s = DuckDBStore(tmp_path / "plant.duckdb")
    yield s
    s.close()


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator for back-off jitter."""
    return np.random.default_rng(7)
