"""Fixtures for the account tests: an app with a hand-moved clock for sessions and limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from smartfactory.api import create_app
from smartfactory.api.auth import Accounts, LoginLimiter
from smartfactory.api.testing import ScriptedLive
from smartfactory.domain.assets import Plant
from smartfactory.settings import Settings
from smartfactory.store.base import Store


class WallClock:
    """UTC "now" and a monotonic reading that the test moves together by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        self.mono = 5000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        self.now += step
        self.mono += step.total_seconds()


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def accounts(store: Store, wall: WallClock) -> Accounts:
    return Accounts(store, limiter=LoginLimiter(clock=wall.monotonic), now=wall)


@pytest.fixture
def app(plant: Plant, live: ScriptedLive, store: Store, accounts: Accounts) -> FastAPI:
    return create_app(Settings(language="en"), plant, live, store, accounts=accounts)


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[..., object]]:
    """Open more clients of ``app`` (each with its own cookies); closed after the test."""
    from fastapi.testclient import TestClient

    opened: list[TestClient] = []

    def make(**kwargs: object) -> TestClient:
        client = TestClient(app, **kwargs)  # type: ignore[arg-type]
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
