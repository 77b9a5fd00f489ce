"""The checks themselves: they must catch models that break the contract."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from smartfactory.maintenance import ContractError, check_detector, check_rul_estimator
from smartfactory.maintenance.anomaly import GaussianDetector
from smartfactory.maintenance.checks import roc_auc
from smartfactory.maintenance.rul import GBMRul


class LearnsEverything(GaussianDetector):
    """Breaks 'never learn a flagged sample'."""

    def learn_one(self, x: Mapping[str, float]) -> None:
        if not hasattr(self, "names_"):
            self._reset(list(x))
        v = self._vector(x)
        self.n_ += 1
        delta = v - self.mean_
        self.mean_ = self.mean_ + delta / self.n_
        self.m2_ = self.m2_ + np.outer(delta, v - self.mean_)
        self._precision = None


class Inverted(GaussianDetector):
    """Scores normal samples high and shifted ones low."""

    def score(self, x: object) -> np.ndarray:
        base = super().score(x)  # type: ignore[arg-type]
        return np.where(base > 0, 1.0 / (base + 1e-9), 0.0)


class Renames(GaussianDetector):
    """Stores a transformed hyper-parameter under the parameter's name."""

    def __init__(self, false_alarm_rate: float = 0.001) -> None:
        super().__init__(false_alarm_rate=false_alarm_rate * 2)


class Unseeded(GBMRul):
    """Changes its output from one fit to the next."""

    def fit(self, *args: object, **kwargs: object) -> Unseeded:
        self.seed = int(np.random.default_rng().integers(1_000_000))
        return super().fit(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "rule"),
    [
        (LearnsEverything(), "flagged sample is never learnt"),
        (Inverted(), "ROC-AUC"),
        (Renames(), "stored unchanged"),
    ],
)
def test_check_detector_catches_broken_models(model: GaussianDetector, rule: str) -> None:
    with pytest.raises(ContractError, match=rule):
        check_detector(model)


def test_check_rul_estimator_catches_nondeterminism() -> None:
    with pytest.raises(ContractError, match="same fit"):
        check_rul_estimator(Unseeded(n_estimators=20, n_folds=2))


def test_roc_auc_matches_definition() -> None:
    scores = np.array([0.1, 0.4, 0.35, 0.8])
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(scores, labels) == pytest.approx(0.75)
    assert roc_auc(np.ones(4), labels) == pytest.approx(0.5)
