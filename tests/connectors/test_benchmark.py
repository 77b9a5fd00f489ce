"""``smartfactory bench ingest --source mqtt``, small: the report's fields, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli.bench_ingest import register
from smartfactory.connectors.benchmark import MOSQUITTO


@pytest.mark.timeout(120)
def test_bench_ingest_mqtt_reports_rates_latency_and_no_loss() -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    result = CliRunner().invoke(
        app, ["ingest", "--source", "mqtt", "--messages", "60", "--signals", "10", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["samples"] == 600
    assert report["lost"] == 0 and report["duplicates"] == 0
    assert report["samples_per_s"] > 0 and report["raw_samples_per_s"] > 0
    assert report["ratio"] == pytest.approx(report["samples_per_s"] / report["raw_samples_per_s"])
    assert 0 < report["p50_latency_ms"] <= report["p99_latency_ms"]


@pytest.mark.timeout(180)
def test_bench_ingest_mqtt_compare_and_paced_rate() -> None:
    """--compare runs the per-message path on the same load; --rate paces the publisher."""
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    args = ["ingest", "--messages", "40", "--signals", "5", "--rate", "2000", "--compare"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    old = report["per_message"]
    assert (report["lost"], report["duplicates"], old["lost"], old["duplicates"]) == (0, 0, 0, 0)
    assert report["offered_rate"] == 2000
    assert report["publisher_samples_per_s"] < 2000 * 1.5  # paced, not flat out
    assert report["speedup"] == pytest.approx(report["samples_per_s"] / old["samples_per_s"])


def test_unknown_source_is_an_error() -> None:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    result = CliRunner().invoke(app, ["ingest", "--source", "modbus"])
    assert result.exit_code != 0
