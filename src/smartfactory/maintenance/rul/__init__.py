"""Remaining useful life: run-history data, window features and the default model."""

from __future__ import annotations

from smartfactory.maintenance.rul.cmapss import (
    SUBSETS,
    CmapssRuns,
    CmapssSubset,
    default_cmapss_dir,
    load_subset,
)
from smartfactory.maintenance.rul.conditions import ConditionNormalizer
from smartfactory.maintenance.rul.gbm import GBMRul
from smartfactory.maintenance.rul.pipeline import RunRUL
from smartfactory.maintenance.rul.windows import WindowFeatures

__all__ = [
    "SUBSETS",
    "CmapssRuns",
    "CmapssSubset",
    "ConditionNormalizer",
    "GBMRul",
    "RunRUL",
    "WindowFeatures",
    "default_cmapss_dir",
    "load_subset",
]
