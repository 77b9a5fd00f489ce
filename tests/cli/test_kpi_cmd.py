from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli.kpi_cmd import register

runner = CliRunner()
MACHINES = "machine,ideal_cycle_s\nm1,30\n"
STATES = (
    "machine,start,end,state,reason\n"
    "m1,2024-03-04T08:00:00+09:00,2024-03-04T09:00:00+09:00,producing,\n"
    "m1,2024-03-04T09:00:00+09:00,2024-03-04T09:30:00+09:00,unplanned_stop,breakdown\n"
    "m1,2024-03-04T09:30:00+09:00,2024-03-04T10:00:00+09:00,producing,\n"
)
COUNTS = "machine,timestamp,good,scrap\nm1,2024-03-04T09:00:00+09:00,100,20\n"


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture
def paths(tmp_path: Path) -> list[str]:
    out = []
    for name, text in (("machines", MACHINES), ("states", STATES), ("counts", COUNTS)):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        out += [f"--{name}", str(path)]
    return out


def test_json_output(paths: list[str]) -> None:
    result = runner.invoke(make_app(), ["kpi", "oee", *paths, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"machines", "total"}
    m1 = data["machines"]["m1"]
    assert m1["availability"] == pytest.approx(90 / 120)
    assert m1["performance"] == pytest.approx(30 * 120 / 5400)
    assert m1["quality"] == pytest.approx(100 / 120)
    assert m1["failures"] == 1 and m1["mttr_s"] == 1800 and m1["mtbf_s"] == 5400
    assert data["total"] == m1


def test_window_options(paths: list[str]) -> None:
    args = ["--from", "2024-03-04T09:00:00+09:00", "--to", "2024-03-04T10:00:00+09:00"]
    result = runner.invoke(make_app(), ["kpi", "oee", *paths, *args, "--json"])
    assert result.exit_code == 0, result.output
    m1 = json.loads(result.stdout)["machines"]["m1"]
    assert m1["availability"] == 0.5 and m1["pq"] == 120


def test_table_output(paths: list[str]) -> None:
    result = runner.invoke(make_app(), ["kpi", "oee", *paths])
    assert result.exit_code == 0, result.output
    assert "m1" in result.output and "75.0%" in result.output


def test_bad_timestamp_option_exits_2(paths: list[str]) -> None:
    result = runner.invoke(make_app(), ["kpi", "oee", *paths, "--from", "noon"])
    assert result.exit_code == 2
    assert "--from" in result.output and "Traceback" not in result.output


def test_bad_file_exits_2_with_file_and_line(paths: list[str], tmp_path: Path) -> None:
    (tmp_path / "states.csv").write_text(STATES + "m1,2024-03-04T09:45:00+09:00,x,idle\n")
    result = runner.invoke(make_app(), ["kpi", "oee", *paths, "--json"])
    assert result.exit_code == 2
    assert "states.csv, line 5" in result.output and "unparseable timestamp" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_file_exits_2(paths: list[str], tmp_path: Path) -> None:
    (tmp_path / "counts.csv").unlink()
    result = runner.invoke(make_app(), ["kpi", "oee", *paths])
    assert result.exit_code == 2 and "counts.csv" in result.output


def test_overperformance_warns_on_stderr(paths: list[str], tmp_path: Path) -> None:
    (tmp_path / "machines.csv").write_text("machine,ideal_cycle_s\nm1,300\n")
    result = runner.invoke(make_app(), ["kpi", "oee", *paths, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"]["performance"] > 1
    assert "ideal cycle time looks too long" in result.stderr


def _wired() -> bool:
    from smartfactory.cli.main import app

    return any(g.name == "kpi" for g in app.registered_groups)


@pytest.mark.skipif(not _wired(), reason="kpi group not yet wired into cli/main.py")
def test_python_m_smartfactory_kpi_oee(paths: list[str], tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "smartfactory", "kpi", "oee", *paths, "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["machines"]["m1"]["failures"] == 1
    (tmp_path / "states.csv").write_text(STATES + STATES.splitlines()[1] + "\n")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 2
    assert "line 5" in proc.stderr and "Traceback" not in proc.stderr
