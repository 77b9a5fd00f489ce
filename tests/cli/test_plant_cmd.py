from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from smartfactory.cli.main import app

runner = CliRunner()


def test_init_writes_a_valid_example_and_check_reads_it(tmp_path: Path) -> None:
    target = tmp_path / "plant.yaml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    result = runner.invoke(app, ["check", str(target)])
    assert result.exit_code == 0, result.output
    assert "shaft-line" in result.output
    assert "18 machines" in runner.invoke(app, ["init", str(tmp_path / "b.yaml")]).output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "plant.yaml"
    target.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code != 0
    assert target.read_text(encoding="utf-8") == "mine"


def test_bad_plant_file_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("enterprise: {id: x, name: {en: X}}\nsite: 3\nproducts: []\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "smartfactory", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "line 2: site" in proc.stderr
    assert "line 3: products" in proc.stderr
