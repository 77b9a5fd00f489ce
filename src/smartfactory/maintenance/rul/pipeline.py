"""Remaining useful life from raw run histories: conditions, window features, then a model.

:class:`RunRUL` chains :class:`~smartfactory.maintenance.rul.conditions.ConditionNormalizer`
(``n_conditions`` operating conditions, uninformative sensors dropped),
:class:`~smartfactory.maintenance.rul.windows.WindowFeatures` and a
:class:`~smartfactory.maintenance.base.RULEstimator` (default
:class:`~smartfactory.maintenance.rul.gbm.GBMRul`). Training targets are the piece-wise linear
RUL: remaining cycles capped at ``cap`` (a healthy unit shows no wear, so its RUL is only
known to be "at least cap").

With ``health_index`` one more signal, ``hi``, joins the normalised sensors before the
window features: a linear health indicator, the least-squares fit of the capped RUL on the
normalised sensors of every training row (one weight per sensor and an intercept). It fuses
the sensors' wear trends into one less noisy signal, so its window slopes and drifts separate
engines in mid-life better than any single sensor's. It is learnt on all training units; the
model's out-of-fold residuals therefore saw the indicator's few weights fitted on their own
units too (a negligible optimism for the intervals: one weight per sensor from thousands of
rows). Off by default: it improved the out-of-fold error on the training engines of FD001
and FD003, but not the test RMSE on all four C-MAPSS subsets (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from smartfactory.errors import DataError
from smartfactory.maintenance.base import RULEstimator, RULInterval
from smartfactory.maintenance.rul.cmapss import CmapssRuns
from smartfactory.maintenance.rul.conditions import ConditionNormalizer
from smartfactory.maintenance.rul.gbm import GBMRul
from smartfactory.maintenance.rul.windows import WindowFeatures

__all__ = ["RunRUL"]


class RunRUL:
    """Condition normalisation + window features + RUL model (see the module docstring)."""

    def __init__(
        self,
        model: RULEstimator | None = None,
        features: WindowFeatures | None = None,
        n_conditions: int = 1,
        cap: float = 125.0,
        seed: int = 0,
        *,
        health_index: bool = False,
    ) -> None:
        self.model = model
        self.features = features
        self.n_conditions = n_conditions
        self.cap = cap
        self.seed = seed
        self.health_index = health_index

    def _features(self) -> WindowFeatures:
        return self.features if self.features is not None else WindowFeatures()

    def _signals(self, z: np.ndarray) -> np.ndarray:
        """The normalised sensors, plus the health indicator when there is one."""
        weights: np.ndarray | None = getattr(self, "hi_weights_", None)
        if weights is None:
            return z
        return np.column_stack([z, z @ weights[:-1] + weights[-1]])

    def _design(self, runs: CmapssRuns, at: np.ndarray | None = None) -> np.ndarray:
        z = self.normalizer_.transform(runs.settings, runs.sensors)
        return self._features().transform(runs.unit, self._signals(z), at)

    def fit(self, runs: CmapssRuns) -> Self:
        """Learn from run-to-failure histories (each unit's last row is its failure)."""
        self.normalizer_ = ConditionNormalizer(self.n_conditions, seed=self.seed)
        self.normalizer_.fit(runs.settings, runs.sensors)
        signals = [f"s{j + 1}" for j in np.flatnonzero(self.normalizer_.keep_)]
        target = np.minimum(runs.rul(), self.cap)
        self.hi_weights_: np.ndarray | None = None
        if self.health_index:
            z = self.normalizer_.transform(runs.settings, runs.sensors)
            design = np.column_stack([z, np.ones(z.shape[0])])
            self.hi_weights_ = np.linalg.lstsq(design, target, rcond=None)[0]
            signals.append("hi")
        names = self._features().names(signals)
        model = self.model.clone() if self.model is not None else GBMRul(seed=self.seed)
        self.model_ = model.fit(self._design(runs), target, runs.unit, names)
        return self

    def predict_last(self, runs: CmapssRuns) -> RULInterval:
        """RUL estimate and interval after each unit's last row, in unit order."""
        if not hasattr(self, "model_"):
            raise DataError("RunRUL is not fitted: call fit() first")
        out = self.model_.predict_interval(self._design(runs, runs.last_rows()))
        return RULInterval(
            np.minimum(out.point, self.cap),
            np.minimum(out.lower, self.cap),
            np.minimum(out.upper, self.cap),
        )
