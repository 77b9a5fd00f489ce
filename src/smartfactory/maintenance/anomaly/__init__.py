"""Anomaly detectors: learn a machine's normal behaviour, score how far a sample is from it."""

from __future__ import annotations

from smartfactory.maintenance.anomaly.gaussian import GaussianDetector, chi2_quantile

__all__ = ["GaussianDetector", "chi2_quantile"]
