"""Fuzz every JSON operation of the OpenAPI schema with Schemathesis: no answer may be a 5xx.

The real application (the example plant, a scripted live source, a DuckDB store in
``tmp_path``) is called in-process over ASGI, signed in as an admin through an API token so
that every route, including the admin ones, is reached past authentication. Bad input must
come back as a 4xx with a JSON message; a 500 is a bug in the route or the service behind it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, signed_in
from smartfactory.config import example_plant
from smartfactory.settings import Settings
from smartfactory.store import open_store

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 and warns when it falls back to httpx; harmless here.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

import schemathesis
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

# Operations that cannot be fuzzed meaningfully:
# - stream_live: an endless server-sent event stream; it never completes a response.
# - logout: ends the session the fuzzer signs in with (and takes no input worth fuzzing).
EXCLUDED = ("stream_live", "logout")

MAX_EXAMPLES = int(os.environ.get("SF_FUZZ_EXAMPLES", "25"))
"""Examples per operation: enough to reach the validation paths, bounded to keep the test short
(about a minute for every operation); raise ``SF_FUZZ_EXAMPLES`` to hunt longer."""


@dataclass(frozen=True, slots=True)
class Api:
    """The application under test and the headers that sign a request in as an admin."""

    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    plant = example_plant()
    store = open_store(tmp_path / "fuzz.duckdb")
    app = create_app(Settings(language="en"), plant, ScriptedLive(plant), store)
    with TestClient(app) as client:
        csrf = signed_in(client, store, "admin", username="fuzz-admin")
        made = client.post("/api/v1/auth/tokens", json={"name": "schemathesis"}, headers=csrf)
        assert made.status_code == 201, made.text
        token = str(made.json()["token"])
    try:
        yield Api(app=app, headers={"Authorization": f"Bearer {token}"})
    finally:
        store.close()


def _operation_ids() -> list[str]:
    """Every operation of the schema but the excluded ones (read from an app without a store)."""
    plant = example_plant()
    app = create_app(Settings(language="en"), plant, ScriptedLive(plant))
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    found = {
        op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op
    }
    return sorted(found - set(EXCLUDED))


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """Send ``case`` through ``client`` (requests-style arguments mapped onto httpx's)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    kwargs.pop("cookies", None)  # the client sends none; the token signs the request in
    if "data" in kwargs:
        kwargs["content"] = kwargs.pop("data")
    return client.request(**kwargs)


# schemathesis.pytest.from_fixture does not work with pytest 9 (its lazy items lack
# ``_nodeid``), and schemathesis' own ASGI transport keeps one event-loop thread and every
# application's lifespan running until the process exits; so each operation is a
# parametrised case running its own Hypothesis test through a TestClient that this test
# opens and closes.
@pytest.mark.parametrize("operation_id", _operation_ids())
def test_no_server_errors(operation_id: str, api: Api) -> None:
    # The schema route itself needs sign-in; the app builds the same document directly.
    operation = schemathesis.openapi.from_dict(api.app.openapi()).find_operation_by_id(operation_id)
    with TestClient(api.app, raise_server_exceptions=False) as client:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: Any) -> None:
            response = _send(client, case, api.headers)
            case.validate_response(response, checks=[not_a_server_error])

        check()


# Regressions: answers that used to be 500s (or ran out of memory) before the fixes.
@pytest.mark.parametrize(
    "url",
    [
        # an offset beyond SQL BIGINT reached DuckDB (conversion error, 500)
        "/api/v1/audit?offset=780709165179563398922240",
        "/api/v1/work-orders?offset=9223372036854775808",
        "/api/v1/decisions?offset=9223372036854775808",
        "/api/v1/quarantine?offset=9223372036854775808",
        # a two-century window made the loss analysis allocate per shift until out of memory
        "/api/v1/kpi/losses?start=1900-01-01T00:00:00Z&end=2100-01-01T00:00:00Z",
        "/api/v1/kpi/oee?start=1900-01-01T00:00:00Z&end=2100-01-01T00:00:00Z",
        # the default start (end - 24 h) overflowed before year 1
        "/api/v1/kpi/oee?end=0001-01-01T00:00:00Z",
    ],
)
def test_bad_input_is_a_client_error(url: str, api: Api) -> None:
    with TestClient(api.app, raise_server_exceptions=False) as client:
        response = client.get(url, headers=api.headers)
    assert response.status_code in {400, 422}, response.text  # not 404: the route exists
    assert response.json()
