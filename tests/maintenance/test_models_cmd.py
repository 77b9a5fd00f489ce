"""``smartfactory models train|list|show|promote`` through the Typer app."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.config import example_plant
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store

runner = CliRunner()


@pytest.fixture(scope="module")
def plant_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one simulated day of the example plant."""
    path = tmp_path_factory.mktemp("models") / "plant.duckdb"
    store = open_store(path)
    sim = FactorySimulation(example_plant(), store, seed=1, start=datetime(2026, 1, 5, tzinfo=UTC))
    sim.run(datetime(2026, 1, 6, 6, tzinfo=UTC))
    store.close()
    return path


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def test_health_train_list_show_promote(plant_store: Path) -> None:
    store = str(plant_store)
    first = json.loads(
        run(
            "models", "train", "--kind", "health", "--machine", "cnc-01", "--store", store, "--json"
        )
    )
    assert (first["kind"], first["scope"], first["status"]) == ("health", "cnc-01", "candidate")
    assert first["metrics"]["learnt_rows"] > 0
    assert first["features"] == ["spindle_current", "spindle_temperature", "spindle_vibration"]
    second = json.loads(
        run(
            "models",
            "train",
            "--kind",
            "health",
            "--machine",
            "cnc-01",
            "--store",
            store,
            "--days",
            "0.5",
            "--json",
        )
    )
    assert second["version"] == 2
    listed = json.loads(run("models", "list", "--store", store, "--json"))
    assert [v["version"] for v in listed] == [1, 2]
    run("models", "promote", "health/cnc-01/v1", "--store", store)
    promoted = json.loads(run("models", "promote", second["id"], "--store", store, "--json"))
    assert {v["version"]: v["status"] for v in promoted} == {1: "archived", 2: "promoted"}
    shown = json.loads(run("models", "show", "health/cnc-01/v2", "--store", store, "--json"))
    assert shown["status"] == "promoted"
    assert shown["drift"] is not None
    assert set(shown["drift"]["features"]) == set(first["features"])
    text = run("models", "show", second["id"], "--store", store)
    assert "PSI" in text
    assert "retrain" in text
    assert "cnc-01" in run("models", "list", "--store", store)
    assert (plant_store.parent / "models" / "health" / "cnc-01" / "v2" / "model.pkl").is_file()


def test_rul_and_failure_training_on_cmapss(cmapss_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "plant.duckdb")
    rul = json.loads(
        run(
            "models",
            "train",
            "--kind",
            "rul",
            "--data",
            str(cmapss_dir),
            "--subset",
            "FD001",
            "--trees",
            "20",
            "--store",
            store,
            "--json",
        )
    )
    assert rul["metrics"]["test_rmse"] < 40
    assert rul["metrics"]["test_engines"] == 100
    shown = json.loads(run("models", "show", rul["id"], "--store", store, "--json"))
    assert shown["drift"]["rows"] == 3000  # first 30 cycles of 100 test engines
    failure = json.loads(
        run(
            "models",
            "train",
            "--kind",
            "failure",
            "--data",
            str(cmapss_dir),
            "--subset",
            "FD003",
            "--trees",
            "30",
            "--seeds",
            "1",
            "--store",
            store,
            "--promote",
            "--json",
        )
    )
    assert failure["status"] == "promoted"
    assert failure["metrics"]["macro_f1_mean"] > failure["metrics"]["baseline_macro_f1"] + 0.5


def test_errors_are_reported(plant_store: Path) -> None:
    result = runner.invoke(app, ["models", "train", "--kind", "odd", "--store", str(plant_store)])
    assert result.exit_code != 0
    result = runner.invoke(app, ["models", "show", "nope", "--store", str(plant_store)])
    assert result.exit_code != 0
