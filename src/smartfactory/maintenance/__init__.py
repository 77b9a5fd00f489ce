"""Predictive maintenance: model contracts, anomaly detection and remaining useful life."""

from __future__ import annotations

from smartfactory.maintenance.base import (
    Detector,
    Estimator,
    RULEstimator,
    RULInterval,
    RULPrediction,
)
from smartfactory.maintenance.checks import ContractError, check_detector, check_rul_estimator
from smartfactory.maintenance.health import Contribution, HealthModel, HealthReading
from smartfactory.maintenance.registry import (
    DETECTORS,
    RUL_ESTIMATORS,
    make_detector,
    make_rul_estimator,
)

__all__ = [
    "DETECTORS",
    "RUL_ESTIMATORS",
    "ContractError",
    "Contribution",
    "Detector",
    "Estimator",
    "HealthModel",
    "HealthReading",
    "RULEstimator",
    "RULInterval",
    "RULPrediction",
    "check_detector",
    "check_rul_estimator",
    "make_detector",
    "make_rul_estimator",
]
