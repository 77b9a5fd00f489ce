"""Fixtures for API tests: a sample plant, a scripted live source on a fake clock, a client."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from fastapi import FastAPI

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, sample_plant
from smartfactory.domain.assets import Plant
from smartfactory.settings import Settings

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
def client(plant: Plant, live: ScriptedLive) -> Iterator[TestClient]:
    app = create_app(Settings(language="en"), plant, live)
    with TestClient(app) as c:
        yield c
