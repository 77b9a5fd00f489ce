"""The registry of models: a fixed, read-only table from name to model class.

The table is built once at import and cannot be changed at run time (no mutable global
registry); a new model is added here, and the contract suite in ``tests/maintenance`` then
runs :mod:`smartfactory.maintenance.checks` on it automatically.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from smartfactory.errors import NotFoundError
from smartfactory.maintenance.anomaly.gaussian import GaussianDetector
from smartfactory.maintenance.base import Detector, RULEstimator
from smartfactory.maintenance.rul.gbm import GBMRul

__all__ = ["DETECTORS", "RUL_ESTIMATORS", "make_detector", "make_rul_estimator"]

DETECTORS: Mapping[str, type[Detector]] = MappingProxyType({"gaussian": GaussianDetector})
RUL_ESTIMATORS: Mapping[str, type[RULEstimator]] = MappingProxyType({"gbm": GBMRul})


def make_detector(name: str, **params: object) -> Detector:
    """A new detector of the registered ``name``; NotFoundError if unknown."""
    try:
        cls = DETECTORS[name]
    except KeyError as err:
        raise NotFoundError(f"no detector {name!r}; known: {', '.join(DETECTORS)}") from err
    return cls(**params)


def make_rul_estimator(name: str, **params: object) -> RULEstimator:
    """A new RUL estimator of the registered ``name``; NotFoundError if unknown."""
    try:
        cls = RUL_ESTIMATORS[name]
    except KeyError as err:
        raise NotFoundError(
            f"no RUL estimator {name!r}; known: {', '.join(RUL_ESTIMATORS)}"
        ) from err
    return cls(**params)
