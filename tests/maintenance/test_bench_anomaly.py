"""``smartfactory bench anomaly`` and its metrics, on real SKAB files and synthetic ones."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli import bench_cmd
from smartfactory.maintenance.anomaly.benchmark import load_labelled_csv, nab_score


def _skab_dir() -> Path:
    """SF_SKAB_DIR, else the shared data set beside the checkout, else the workplace copy."""
    if os.environ.get("SF_SKAB_DIR"):
        return Path(os.environ["SF_SKAB_DIR"])
    candidates = [
        Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "skab-dev",
        Path("/work/shared/datasets/skab-dev"),
    ]
    return next((c for c in candidates if c.is_dir()), candidates[0])


SKAB = _skab_dir()
KEYS = {"files", "f1", "far", "mar", "nab_standard", "nab_low_fp", "nab_low_fn"}


@pytest.fixture
def skab_two(tmp_path: Path) -> Path:
    files = [SKAB / "valve1" / "0.csv", SKAB / "valve1" / "1.csv"]
    if not all(f.is_file() for f in files):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"SKAB dev files missing at {SKAB} (required in CI)")
        pytest.skip(f"SKAB dev files missing at {SKAB}")
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "sub").mkdir()
    shutil.copy(SKAB / "anomaly-free" / "anomaly-free.csv", tmp_path / "sub" / "free.csv")
    return tmp_path


def run(folder: Path) -> dict[str, float]:
    app = typer.Typer()
    bench_cmd.register(app)
    result = CliRunner().invoke(
        app, ["bench", "anomaly", "--data", str(folder), "--train-rows", "400", "--json"]
    )
    assert result.exit_code == 0, result.output
    out: dict[str, float] = json.loads(result.output)
    return out


def test_bench_anomaly_on_real_skab_files(skab_two: Path) -> None:
    out = run(skab_two)
    assert set(out) == KEYS
    assert out["files"] == 2  # the unlabelled anomaly-free file is skipped
    assert 0.0 <= out["f1"] <= 1.0 and 0.0 <= out["far"] <= 1.0 and 0.0 <= out["mar"] <= 1.0
    assert out["f1"] > 0.5
    series = load_labelled_csv(skab_two / "0.csv")
    assert series is not None
    assert "anomaly" not in series.names and "changepoint" not in series.names
    assert len(series.names) == 8 and series.t[1] == 1.0


def test_comma_separated_synthetic_file_is_scored(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 700
    x = rng.normal(size=(n, 3))
    label = np.zeros(n, dtype=int)
    label[550:650] = 1
    x[550:650, 1] += 8.0
    cp = np.zeros(n, dtype=int)
    cp[[550, 650]] = 1
    lines = ["time,a,b,c,anomaly,changepoint"]
    for i in range(n):
        stamp = f"2024-01-01 00:{i // 60:02d}:{i % 60:02d}"
        lines.append(f"{stamp},{x[i, 0]},{x[i, 1]},{x[i, 2]},{label[i]},{cp[i]}")
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n")
    out = run(tmp_path)
    assert out["files"] == 1
    assert out["f1"] > 0.9 and out["far"] < 0.05
    assert out["nab_standard"] > 40


def test_nab_null_and_perfect() -> None:
    t = np.arange(200, dtype=np.float64)
    cps = np.zeros(200, dtype=bool)
    cps[50] = True
    none = np.zeros(200, dtype=bool)
    score, null, perfect = nab_score(t, none, cps, 60.0, "nab_standard")
    assert score == null == -1.0
    early = none.copy()
    early[50:70] = True
    score, _, perfect = nab_score(t, early, cps, 60.0, "nab_standard")
    assert score == pytest.approx(perfect)
    late = none.copy()
    late[100:120] = True
    assert nab_score(t, late, cps, 60.0, "nab_standard")[0] < score
    false = none.copy()
    false[150:160] = True
    assert nab_score(t, early | false, cps, 60.0, "nab_standard")[0] == pytest.approx(
        perfect - 0.11
    )
