"""Fixtures for API tests: a sample plant, a scripted live source on a fake clock, a store for
accounts, and a client signed in as a viewer (``anon_client``: the same app, not signed in)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from fastapi import FastAPI

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, sample_plant, signed_in
from smartfactory.domain.assets import Plant
from smartfactory.settings import Settings
from smartfactory.store import open_store
from smartfactory.store.base import Store

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 and warns when it falls back to httpx; harmless here.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def plant() -> Plant:
    return sample_plant(lines=3, machines_per_line=6)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def live(plant: Plant, clock: FakeClock) -> ScriptedLive:
    return ScriptedLive(plant, speed=60.0, rate=2.0, clock=clock)


ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]


@pytest.fixture
def make_client() -> ClientFactory:
    """Open a TestClient on another app: ``with make_client(app) as c: ...``."""
    return TestClient


@pytest.fixture
def store() -> Iterator[Store]:
    """An in-memory store holding the accounts (and nothing else)."""
    opened = open_store(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def app(plant: Plant, live: ScriptedLive, store: Store) -> FastAPI:
    return create_app(Settings(language="en"), plant, live, store)


@pytest.fixture
def anon_client(app: FastAPI) -> Iterator[TestClient]:
    """A client of ``app`` that has not signed in."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def client(app: FastAPI, store: Store) -> Iterator[TestClient]:
    """A client of ``app`` signed in as a viewer."""
    with TestClient(app) as c:
        signed_in(c, store, "viewer")
        yield c
