from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

REQUIRED = {
    "oee",
    "availability",
    "performance",
    "quality",
    "good_units",
    "scrap_units",
    "failures",
    "unplanned_downtime_h",
    "planned_maintenance_h",
    "maintenance_cost",
    "total_cost",
}


def _simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartfactory", "simulate", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


def _summary(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_simulate_prints_json_and_stores_the_data(tmp_path: Path) -> None:
    db = tmp_path / "run.duckdb"
    summary = _summary(_simulate("--days", "3", "--seed", "7", "--json", "--store", str(db)))
    assert summary.keys() >= REQUIRED
    for ratio in ("oee", "availability", "performance", "quality"):
        value = summary[ratio]
        assert isinstance(value, float) and 0 < value <= 1.2, (ratio, value)
    assert isinstance(summary["good_units"], int) and summary["good_units"] > 1000
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select sum(good), sum(scrap) from counts").fetchone()
        samples = con.execute("select count(*) from samples").fetchone()
    assert row == (summary["good_units"], summary["scrap_units"])
    assert samples is not None and samples[0] > 0


def test_same_seed_same_result_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = _summary(_simulate("--days", "1", "--seed", "3", "--json", "--no-store"))
    second = _summary(_simulate("--days", "1", "--seed", "3", "--json", "--no-store"))
    first.pop("wall_s", None)
    second.pop("wall_s", None)
    assert first == second
    db = tmp_path / "keep.duckdb"
    db.write_bytes(b"")
    proc = _simulate("--days", "1", "--json", "--store", str(db))
    assert proc.returncode == 2
    assert "--overwrite" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_plant_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "plant.yaml"
    bad.write_text("enterprise: {id: X!, name: {en: X}}\n", encoding="utf-8")
    proc = _simulate("--config", str(bad), "--days", "1", "--json")
    assert proc.returncode == 2
    assert "line 1: enterprise.id" in proc.stderr
    assert "Traceback" not in proc.stderr
