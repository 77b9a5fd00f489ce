"""Predictive maintenance: models, RUL, failure modes, model versions, drift, live health.

Model contracts and checks, anomaly detection, remaining useful life, failure classification
(:mod:`.classify`), the registry of trained versions (:mod:`.versions`), drift (:mod:`.drift`)
and live health per machine (:mod:`.live`, :mod:`.service`).
"""

from __future__ import annotations

from smartfactory.maintenance.base import (
    Detector,
    Estimator,
    RULEstimator,
    RULInterval,
    RULPrediction,
)
from smartfactory.maintenance.checks import ContractError, check_detector, check_rul_estimator
from smartfactory.maintenance.drift import DriftReport, drift_report
from smartfactory.maintenance.health import Contribution, HealthModel, HealthReading
from smartfactory.maintenance.live import LiveMaintenance, LiveReading
from smartfactory.maintenance.registry import (
    DETECTORS,
    RUL_ESTIMATORS,
    make_detector,
    make_rul_estimator,
)
from smartfactory.maintenance.service import MachineHealth, RULRange, machine_health, plant_health
from smartfactory.maintenance.versions import ArtifactIntegrityError, ModelRegistry, ModelVersion

__all__ = [
    "DETECTORS",
    "RUL_ESTIMATORS",
    "ArtifactIntegrityError",
    "ContractError",
    "Contribution",
    "Detector",
    "DriftReport",
    "Estimator",
    "HealthModel",
    "HealthReading",
    "LiveMaintenance",
    "LiveReading",
    "MachineHealth",
    "ModelRegistry",
    "ModelVersion",
    "RULEstimator",
    "RULInterval",
    "RULPrediction",
    "RULRange",
    "check_detector",
    "check_rul_estimator",
    "drift_report",
    "machine_health",
    "make_detector",
    "make_rul_estimator",
    "plant_health",
]
