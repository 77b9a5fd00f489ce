"""Drift: PSI flags a shifted distribution and stays quiet on an unshifted one."""

from __future__ import annotations

import numpy as np
import pytest

from smartfactory.errors import DataError
from smartfactory.maintenance.drift import SIGNIFICANT, drift_report, make_reference, psi

NAMES = ("temp", "vib", "current")


def data(seed: int, n: int, shift: tuple[float, ...] = (0.0, 0.0, 0.0)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(n, 3)) * np.array([2.0, 0.5, 1.0]) + np.array([60, 3, 10]) + shift
    return np.asarray(out, dtype=np.float64)


def test_unshifted_data_is_stable() -> None:
    ref = make_reference(data(0, 5000), NAMES, scores=np.abs(data(1, 5000)[:, 0] - 60))
    report = drift_report(ref, data(2, 2000), NAMES, scores=np.abs(data(3, 2000)[:, 0] - 60))
    assert not report.retrain, report.reasons
    assert all(f.level == "stable" for f in report.features)
    assert report.score is not None
    assert report.score.level == "stable"


def test_a_shifted_feature_asks_for_retraining() -> None:
    ref = make_reference(data(0, 5000), NAMES)
    report = drift_report(ref, data(2, 2000, shift=(0.0, 0.5, 0.0)), NAMES)
    assert report.retrain
    by_name = {f.name: f for f in report.features}
    assert by_name["vib"].psi >= SIGNIFICANT
    assert by_name["temp"].level == "stable"
    assert "vib" in report.reasons[0]
    assert report.public()["retrain"] is True


def test_a_shifted_score_alone_asks_for_retraining() -> None:
    rng = np.random.default_rng(5)
    ref = make_reference(data(0, 3000), NAMES, scores=rng.chisquare(3, 3000) / 3)
    report = drift_report(ref, data(2, 1000), NAMES, scores=rng.chisquare(3, 1000) / 3 * 2.0)
    assert report.retrain
    assert any("anomaly-score" in r for r in report.reasons)


def test_few_rows_give_no_verdict() -> None:
    ref = make_reference(data(0, 3000), NAMES)
    report = drift_report(ref, data(2, 50, shift=(5.0, 5.0, 5.0)), NAMES)
    assert not report.retrain
    assert "no verdict" in report.reasons[0]


def test_psi_is_zero_for_the_same_shares_and_checks_input() -> None:
    edges = np.array([0.0, 1.0])
    assert psi(edges, np.array([0.25, 0.5, 0.25]), np.array([-1, 0.5, 0.5, 2])) == pytest.approx(0)
    with pytest.raises(DataError):
        psi(edges, np.array([0.5, 0.5]), np.array([]))
    with pytest.raises(DataError):
        drift_report({}, np.zeros((3, 2)), NAMES)
