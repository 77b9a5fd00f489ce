"""Operating-condition normalisation of sensors, and removal of uninformative sensors.

Engines (and machines) run in several operating conditions (altitude, speed, product...). A
sensor's raw level mostly reflects the condition, not the wear. :class:`ConditionNormalizer`
clusters the operational settings into ``n_conditions`` conditions (k-means, seeded) and
standardises every sensor with the mean and standard deviation of its condition, learnt from
training data. Sensors that take at most ``max_levels`` distinct values inside every condition
carry no wear information and are dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from smartfactory.errors import DataError

__all__ = ["ConditionNormalizer", "kmeans"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MIN_STD = 1e-9


def _nearest(points: FloatArray, centres: FloatArray) -> IntArray:
    dist = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.asarray(dist.argmin(axis=1), dtype=np.int64)


def kmeans(
    points: FloatArray, k: int, rng: np.random.Generator, iterations: int = 50
) -> FloatArray:
    """Cluster centres of ``points`` (k-means++ start, Lloyd iterations); shape (k, dims)."""
    if points.shape[0] < k:
        raise DataError(f"cannot form {k} operating conditions from {points.shape[0]} rows")
    centres = points[[int(rng.integers(points.shape[0]))]]
    for _ in range(1, k):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).min(axis=1)
        total = d2.sum()
        probs = d2 / total if total > 0 else np.full(d2.shape, 1.0 / d2.shape[0])
        centres = np.vstack([centres, points[int(rng.choice(points.shape[0], p=probs))]])
    for _ in range(iterations):
        label = _nearest(points, centres)
        new = np.array(
            [
                points[label == c].mean(axis=0) if np.any(label == c) else centres[c]
                for c in range(k)
            ]
        )
        if np.allclose(new, centres):
            break
        centres = new
    return np.asarray(centres, dtype=np.float64)


class ConditionNormalizer:
    """Per-condition standardisation of sensors (see the module docstring).

    ``n_conditions=1`` standardises globally (single-condition data such as FD001/FD003).
    """

    def __init__(self, n_conditions: int = 1, max_levels: int = 2, seed: int = 0) -> None:
        self.n_conditions = n_conditions
        self.max_levels = max_levels
        self.seed = seed

    def fit(self, settings: FloatArray, sensors: FloatArray) -> ConditionNormalizer:
        """Learn the conditions, their sensor statistics and which sensors to keep."""
        if self.n_conditions < 1:
            raise DataError(f"n_conditions must be >= 1, got {self.n_conditions}")
        self.scale_ = np.maximum(settings.std(axis=0), _MIN_STD)
        self.offset_ = settings.mean(axis=0)
        if self.n_conditions == 1:
            self.centres_ = np.zeros((1, settings.shape[1]))
        else:
            rng = np.random.default_rng(self.seed)
            self.centres_ = kmeans(self._scaled(settings), self.n_conditions, rng)
        label = self.conditions(settings)
        k, d = self.centres_.shape[0], sensors.shape[1]
        self.mean_ = np.zeros((k, d))
        self.std_ = np.ones((k, d))
        levels = np.zeros(d, dtype=np.int64)
        for c in range(k):
            block = sensors[label == c]
            if block.shape[0] == 0:
                continue
            self.mean_[c] = block.mean(axis=0)
            self.std_[c] = np.maximum(block.std(axis=0), _MIN_STD)
            distinct = [np.unique(block[:, j]).shape[0] for j in range(d)]
            levels = np.maximum(levels, np.array(distinct, dtype=np.int64))
        self.keep_ = levels > self.max_levels
        return self

    def _scaled(self, settings: FloatArray) -> FloatArray:
        return np.asarray((settings - self.offset_) / self.scale_, dtype=np.float64)

    def conditions(self, settings: FloatArray) -> IntArray:
        """The operating condition (0..n_conditions-1) of each row."""
        if self.centres_.shape[0] == 1:
            return np.zeros(settings.shape[0], dtype=np.int64)
        return _nearest(self._scaled(settings), self.centres_)

    def transform(self, settings: FloatArray, sensors: FloatArray) -> FloatArray:
        """Kept sensors standardised per condition, shape (rows, kept sensors)."""
        label = self.conditions(settings)
        z = (sensors - self.mean_[label]) / self.std_[label]
        return np.ascontiguousarray(z[:, self.keep_])
