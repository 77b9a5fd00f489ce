"""Fixtures of the maintenance tests: the shared C-MAPSS folder (skipped only outside CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smartfactory.maintenance.rul.cmapss import default_cmapss_dir


@pytest.fixture(scope="session")
def cmapss_dir() -> Path:
    folder = default_cmapss_dir()
    if not (folder / "train_FD001.txt").is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"C-MAPSS data set missing at {folder} (required in CI)")
        pytest.skip(f"C-MAPSS data set missing at {folder}")
    return folder
