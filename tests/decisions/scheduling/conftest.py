from __future__ import annotations

from pathlib import Path

import pytest

from smartfactory.decisions.scheduling.benchmark import default_fjsp_dir, default_jssp_file


@pytest.fixture(scope="session")
def jssp_file() -> Path:
    path = default_jssp_file()
    if not path.is_file():
        pytest.skip(f"JSSP data set not found at {path} (set SF_JSSP_DIR)")
    return path


@pytest.fixture(scope="session")
def fjsp_dir() -> Path:
    path = default_fjsp_dir()
    if not (path / "instances.json").is_file():
        pytest.skip(f"FJSP data set not found at {path} (set SF_FJSP_DIR)")
    return path
