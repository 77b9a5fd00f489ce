"""The set-up contract: the README opens with exactly two commands, the same in Korean."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands(name: str) -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "readme_commands", ROOT / "scripts" / "readme_commands.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / name).read_text(encoding="utf-8")
    result: list[str] = module.quick_start_commands(text)
    return result


def test_readme_quick_start_has_install_demo_and_test_commands() -> None:
    install, test = _commands("README.md")
    assert "pip install" in install and install.endswith("smartfactory demo")
    assert "pytest" in test


def test_korean_readme_has_the_same_commands() -> None:
    assert _commands("README.ko.md") == _commands("README.md")


def test_ci_reads_the_test_command_from_the_readme() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_commands.py test" in ci
    assert "scripts/check" in ci
    assert "pytest" not in ci.replace("readme_commands", "")


def test_plant_file_reference_is_current() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plant_file_doc.py"), "--check"],
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, "docs/plant-file.md is stale: run scripts/plant_file_doc.py"
