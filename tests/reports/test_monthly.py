"""The monthly report: its numbers against the KPI service, its HTML, its PDF, its command."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.config import example_plant
from smartfactory.errors import DataError
from smartfactory.kpi.service import oee
from smartfactory.reports import (
    Month,
    MonthlyReport,
    monthly_report,
    parse_month,
    render_html,
    render_pdf,
)
from smartfactory.sim.engine import DEFAULT_START, simulate
from smartfactory.store import Store, open_store

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FEB = Month(2026, 2)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "plant.duckdb"
    store = open_store(path)
    simulate(
        example_plant(),
        store,
        days=(datetime(2026, 2, 12, tzinfo=UTC) - DEFAULT_START).days,
        seed=11,
    )
    start, _ = FEB.window(example_plant().site.calendar.timezone)
    at = start + timedelta(days=3)
    store.execute_all(
        [
            (
                "INSERT INTO work_orders (id, machine, kind, status, created, updated, closed,"
                " failure_mode) VALUES (?, ?, ?, 'done', ?, ?, ?, ?)",
                [f"WO-{i}", "cnc-01", kind, at, at, at + timedelta(hours=i), mode],
            )
            for i, (kind, mode) in enumerate(
                [("predictive", "bearing_wear"), ("corrective", "spindle"), ("predictive", None)]
            )
        ]
        + [
            (
                "INSERT INTO decisions (id, ts, kind, status, data) VALUES (?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, at, "maintenance", status, json.dumps({"expected_benefit": b})],
            )
            for status, b in [("applied", 1_000_000.0), ("rejected", 5.0), ("approved", 250_000.0)]
        ]
    )
    store.close()
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    db = open_store(store_path)
    yield db
    db.close()


@pytest.fixture(scope="module")
def reports(store_path: Path) -> dict[str, MonthlyReport]:
    db = open_store(store_path)
    try:
        return {
            lang: monthly_report(db, example_plant(), FEB, language=lang) for lang in ("en", "ko")
        }
    finally:
        db.close()


def test_month_windows_are_local_midnights() -> None:
    start, end = Month(2026, 2).window("Asia/Seoul")
    assert start == datetime(2026, 1, 31, 15, tzinfo=UTC)
    assert end == datetime(2026, 2, 28, 15, tzinfo=UTC)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert parse_month("2026-02") == FEB
    with pytest.raises(DataError, match="YYYY-MM"):
        parse_month("2026-13")


def test_figures_match_the_kpi_service(store: Store) -> None:
    plant = example_plant()
    report = monthly_report(store, plant, FEB)
    start, end = FEB.window(plant.site.calendar.timezone)
    (site,) = oee(store, plant, start, end, group_by=())
    f = report.figures
    assert f.oee == pytest.approx(site.oee)
    assert f.availability == pytest.approx(site.availability)
    assert f.good_units == site.gq
    assert f.scrap_units == site.scrap
    assert f.planned_busy_h == pytest.approx(site.pbt_s / 3600)
    assert f.unplanned_downtime_h == pytest.approx(site.down_s / 3600)
    # delivery, independently from the orders table
    orders = store.query_orders().to_pylist()
    done = [o for o in orders if o["finished"] and o["due"] and start <= o["finished"] < end]
    assert f.orders_finished == len(done)
    assert f.orders_on_time == sum(1 for o in done if o["finished"] <= o["due"])
    # the baseline is January, and deltas are consistent with both
    assert report.baseline.month == "2026-01"
    for d in report.deltas:
        if d.value is not None and d.baseline:
            assert d.relative == pytest.approx((d.value - d.baseline) / abs(d.baseline))
            assert d.better == ((d.value > d.baseline) == d.higher_is_better) or d.change == 0
    # the daily trend covers the days with planned time, and its OEE stays a ratio
    assert report.daily and all(0 <= (d.oee or 0) <= 1 for d in report.daily)
    assert {d.day[:7] for d in report.daily} == {"2026-02"}


def test_maintenance_and_decisions_come_from_the_records(
    reports: dict[str, MonthlyReport],
) -> None:
    m = reports["en"].maintenance
    assert m.work_orders_done == {"corrective": 1, "predictive": 2}
    assert m.failures_found == {"bearing_wear": 1, "spindle": 1}
    assert m.decisions == {"applied": 1, "approved": 1, "rejected": 1}
    assert m.decisions_expected_benefit == pytest.approx(1_250_000.0)
    assert m.predictive_jobs_before_failure == 2


def test_html_is_self_contained_with_charts(reports: dict[str, MonthlyReport]) -> None:
    html = render_html(reports["ko"], "ko")
    assert html.count("<svg") >= 5
    assert "월간 생산 보고서" in html and "설비종합효율" in html
    external = re.findall(r'(?:src|href)="(https?:[^"]+)"', html)
    assert external == []
    english = render_html(reports["en"], "en")
    assert "Monthly production report" in english and "월간" not in english


@pytest.mark.parametrize("language", ["en", "ko"])
def test_pdf_renders_to_readable_pages(reports: dict[str, MonthlyReport], language: str) -> None:
    pdf = render_pdf(reports[language], language)
    assert pdf.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) >= 2
        for index in range(2):
            image = document[index].render(scale=1.0).to_pil()
            pixels = np.asarray(image.convert("L"), dtype=np.float64)
            assert pixels.std() > 10  # not blank: text and charts on the page
            if index == 0:
                text = document[index].get_textpage().get_text_range()
                assert ("PQCD" in text) and (FEB.__str__() in text)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            image.save(SCREENSHOTS / f"report-{language}-{index + 1}.png")
    finally:
        document.close()


def test_report_command(store_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "feb.html"
    result = runner.invoke(
        app,
        ["report", "--month", "2026-02", "--format", "html", "--lang", "ko",
         "--store", str(store_path), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "월간 생산 보고서" in out.read_text(encoding="utf-8")
    as_json = runner.invoke(
        app, ["report", "--month", "2026-02", "--store", str(store_path), "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.output.strip().splitlines()[-1])
    assert payload["month"] == "2026-02" and payload["baseline_month"] == "2026-01"
    bad = runner.invoke(app, ["report", "--month", "Feb", "--store", str(store_path)])
    assert bad.exit_code != 0
    assert "YYYY-MM" in str(bad.exception) + bad.output
