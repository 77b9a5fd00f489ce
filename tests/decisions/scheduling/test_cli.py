from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app

runner = CliRunner()


def test_bench_jssp_json_with_baseline(jssp_file: Path) -> None:
    result = runner.invoke(
        app,
        [
            "bench", "jssp", "--instances", str(jssp_file), "--names", "ft06,la01",
            "--time-limit", "2", "--baseline", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"instances", "mean_gap", "baseline_mean_gap"}
    ft06 = report["instances"]["ft06"]
    assert {"makespan", "best_known", "gap", "optimal", "seconds"} <= set(ft06)
    assert ft06["makespan"] == 55
    assert ft06["best_known"] == 55
    assert ft06["optimal"] is True
    la01 = report["instances"]["la01"]
    assert la01["best_known"] == 666
    assert 666 <= la01["makespan"] <= 680
    assert report["mean_gap"] == pytest.approx((ft06["gap"] + la01["gap"]) / 2, abs=1e-6)
    assert 0.0 <= report["baseline_mean_gap"] <= 0.05
    assert ft06["baseline_makespan"] == 55


def test_bench_jssp_default_path_and_null_baseline(jssp_file: Path, monkeypatch) -> None:
    monkeypatch.setenv("SF_JSSP_DIR", str(jssp_file.parent))
    result = runner.invoke(app, ["bench", "jssp", "--names", "ft06", "--time-limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["baseline_mean_gap"] is None
    assert report["instances"]["ft06"]["gap"] == 0.0


def test_bench_fjsp_json(fjsp_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "fjsp",
            "--data",
            str(fjsp_dir),
            "--names",
            "mk01",
            "--time-limit",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    row = report["instances"]["mk01"]
    assert row["best_known"] == 40
    assert row["makespan"] >= 40
    assert row["gap"] <= 0.05


def test_bench_table_and_unknown_instance(jssp_file: Path) -> None:
    result = runner.invoke(
        app,
        ["bench", "jssp", "--instances", str(jssp_file), "--names", "ft06", "--time-limit", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "ft06" in result.stdout
    assert "mean gap" in result.stdout
    bad = runner.invoke(
        app, ["bench", "jssp", "--instances", str(jssp_file), "--names", "nope", "--json"]
    )
    assert bad.exit_code != 0
