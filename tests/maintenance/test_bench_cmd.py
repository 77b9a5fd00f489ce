"""``smartfactory bench cmapss`` on a local Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli import bench_cmd
from smartfactory.maintenance.rul import benchmark
from smartfactory.maintenance.rul.gbm import GBMRul
from smartfactory.maintenance.rul.pipeline import RunRUL


def small_model(subset: str, seed: int) -> RunRUL:
    return RunRUL(GBMRul(n_estimators=30, n_folds=2, seed=seed), n_conditions=1, seed=seed)


def test_bench_cmapss_prints_the_json_interface(
    cmapss_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmark, "default_model", small_model)
    app = typer.Typer()
    bench_cmd.register(app)
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "cmapss",
            "--data",
            str(cmapss_dir),
            "--subset",
            "FD001",
            "--seeds",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(report) == ["subsets"]
    row = report["subsets"]["FD001"]
    assert set(row) == {"rmse_mean", "rmse_std", "score_mean", "train_s"}
    assert 5.0 < row["rmse_mean"] < 30.0
    assert row["rmse_std"] >= 0 and row["train_s"] > 0 and np.isfinite(row["score_mean"])


def test_bench_cmapss_rejects_unknown_subset() -> None:
    app = typer.Typer()
    bench_cmd.register(app)
    result = CliRunner().invoke(app, ["bench", "cmapss", "--subset", "FD007", "--json"])
    assert result.exit_code != 0
