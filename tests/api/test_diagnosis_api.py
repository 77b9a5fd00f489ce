"""The assessment and monthly-report routes over three simulated days of the example plant.

The days straddle a month end (2026-01-30 to 2026-02-02), so both months have data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smartfactory.api import create_app
from smartfactory.api.testing import ScriptedLive, signed_in
from smartfactory.config import example_plant
from smartfactory.diagnosis import diagnose
from smartfactory.diagnosis.facts import data_as_of
from smartfactory.domain.assets import Plant
from smartfactory.reports import Month, monthly_report
from smartfactory.settings import Settings
from smartfactory.sim.engine import simulate
from smartfactory.store import open_store
from smartfactory.store.audit import entries
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    ClientFactory = Callable[[FastAPI], AbstractContextManager[TestClient]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Plant, Store]]:
    plant = example_plant()
    store = open_store(tmp_path_factory.mktemp("diagnosis") / "plant.duckdb")
    simulate(plant, store, days=3, seed=11, start=datetime(2026, 1, 30, tzinfo=UTC))
    yield plant, store
    store.close()


@pytest.fixture
def app(world: tuple[Plant, Store], tmp_path: Path) -> FastAPI:
    plant, store = world
    store.execute("DELETE FROM plans WHERE kind = 'assessment_answers'")
    return create_app(Settings(workspace=tmp_path), plant, ScriptedLive(plant), store)


@pytest.fixture
def admin(
    app: FastAPI, world: tuple[Plant, Store], make_client: ClientFactory
) -> Iterator[TestClient]:
    with make_client(app) as c:
        c.headers.update(signed_in(c, world[1], "admin"))
        yield c


def test_assessment_matches_diagnose(admin: TestClient, world: tuple[Plant, Store]) -> None:
    plant, store = world
    as_of = data_as_of(store)
    for lang in ("en", "ko"):
        body = admin.get("/api/v1/assessment", params={"lang": lang}).json()
        expected = diagnose(store, plant, {}, language=lang, now=as_of).model_dump(mode="json")
        assert {k: body[k] for k in expected} == expected
        assert body["answers"] == {}
        assert as_of is not None and datetime.fromisoformat(body["as_of"]) == as_of
    questions = admin.get("/api/v1/assessment/questions", params={"lang": "ko"}).json()
    assert len(questions["levels"]) == 5 and questions["levels"][4]["name"] == "고도화"
    first = questions["areas"][0]["questions"][0]
    assert first["id"] == "strategy.plan" and len(first["answers"]) == 5
    assert first["saved"] is None
    assert admin.get("/api/v1/assessment", params={"lang": "fr"}).status_code == 422


def test_answers_are_saved_audited_and_used(admin: TestClient, world: tuple[Plant, Store]) -> None:
    plant, store = world
    before = admin.get("/api/v1/assessment").json()
    assert "strategy.plan" in before["unanswered"]
    answers = {"strategy.plan": 3, "strategy.people": 2, "automation.connectivity": 1}
    saved = admin.put("/api/v1/assessment/answers", json=answers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["answers"] == answers
    after = admin.get("/api/v1/assessment").json()
    assert after["answers"] == answers
    expected = diagnose(store, plant, answers, now=data_as_of(store)).model_dump(mode="json")
    assert {k: after[k] for k in expected} == expected
    strategy = next(a for a in after["areas"] if a["area"] == "strategy")
    assert strategy["score"] == 2.5 and strategy["level"] == 2
    connectivity = next(
        q
        for a in after["areas"]
        for q in a["questions"]
        if q["question"] == "automation.connectivity"
    )
    assert connectivity["level"] == 1 and connectivity["source"] == "answer"
    assert connectivity["evidence"]  # the evidence stays visible beside the answer
    listed = admin.get("/api/v1/assessment/questions").json()
    assert listed["areas"][0]["questions"][0]["saved"] == 3
    logged = entries(store, target="assessment:answers", limit=1)
    assert logged and logged[0].action == "assessment.answers"
    assert logged[0].data["after"] == answers


@pytest.mark.parametrize(
    "body",
    [{"strategy.plan": 5}, {"strategy.plan": -1}, {"strategy.plan": "2"}, {"nope": 1}],
)
def test_bad_answers_are_422(admin: TestClient, body: dict[str, object]) -> None:
    response = admin.put("/api/v1/assessment/answers", json=body)
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_data"
    assert admin.get("/api/v1/assessment").json()["answers"] == {}


def test_viewer_reads_but_cannot_save(
    app: FastAPI, world: tuple[Plant, Store], make_client: ClientFactory
) -> None:
    with make_client(app) as viewer:
        viewer.headers.update(signed_in(viewer, world[1], "viewer"))
        assert viewer.get("/api/v1/assessment").status_code == 200
        response = viewer.put("/api/v1/assessment/answers", json={"strategy.plan": 2})
        assert response.status_code == 403
        assert response.json()["type"] == "forbidden"


def test_report_json_equals_monthly_report(admin: TestClient, world: tuple[Plant, Store]) -> None:
    plant, store = world
    months = admin.get("/api/v1/reports/months").json()
    assert months == {
        "months": ["2026-01", "2026-02"],
        "default": "2026-01",
        "default_baseline": "2025-12",
    }
    body = admin.get(
        "/api/v1/reports/monthly", params={"month": "2026-02", "baseline": "2026-01"}
    ).json()
    expected = monthly_report(store, plant, Month(2026, 2), Month(2026, 1)).model_dump(mode="json")
    expected.pop("generated")
    body.pop("generated")
    assert body == expected
    assert body["figures"]["good_units"] > 0 and body["baseline"]["good_units"] > 0


def test_report_html_and_pdf(admin: TestClient) -> None:
    html = admin.get(
        "/api/v1/reports/monthly", params={"month": "2026-02", "format": "html", "lang": "ko"}
    )
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "2026-02" in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    pdf = admin.get("/api/v1/reports/monthly", params={"month": "2026-02", "format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="report-2026-02-en.pdf"' in pdf.headers["content-disposition"]


@pytest.mark.parametrize("month", ["2026-13", "Feb 2026", "", "0000-01", "9999-12"])
def test_bad_month_is_422_with_the_message(admin: TestClient, month: str) -> None:
    response = admin.get("/api/v1/reports/monthly", params={"month": month})
    assert response.status_code == 422
    assert "YYYY-MM" in response.json()["detail"]
    bad_base = admin.get("/api/v1/reports/monthly", params={"month": "2026-02", "baseline": "x"})
    assert bad_base.status_code == 422
