"""A multivariate Gaussian (Mahalanobis distance) anomaly detector, streaming and batch.

Normal behaviour is a mean vector and a covariance matrix, learnt online (Welford updates,
O(signals²) memory whatever the stream length) or in one batch. The score of a sample is its
squared Mahalanobis distance divided by the number of signals (about 1 for normal data). A sample
is flagged when the distance exceeds the chi-square quantile at ``1 - false_alarm_rate``
(Wilson-Hilferty approximation). The covariance is shrunk towards its diagonal by ``shrinkage``
so that it stays invertible with few samples or collinear signals.

Flagged samples are never learnt: ``learn_one`` skips a sample the current model flags, and
``fit`` refits once without the rows the first fit flags. Until ``warmup`` samples are learnt
nothing is flagged and the score is 0.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import numpy.typing as npt

from smartfactory.errors import DataError
from smartfactory.maintenance.base import Detector, FloatArray, as_matrix

__all__ = ["GaussianDetector", "chi2_quantile"]


def _normal_quantile(upper_tail: float) -> float:
    """The z with P(Z > z) = upper_tail (Abramowitz-Stegun 26.2.23, error < 5e-4)."""
    p = min(max(upper_tail, 1e-12), 0.5)
    t = np.sqrt(-2.0 * np.log(p))
    num = 2.515517 + 0.802853 * t + 0.010328 * t * t
    den = 1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3
    return float(t - num / den)


def chi2_quantile(dof: int, upper_tail: float) -> float:
    """Approximate x with P(chi2_dof > x) = upper_tail (Wilson-Hilferty)."""
    z = _normal_quantile(upper_tail)
    k = float(dof)
    return float(k * (1.0 - 2.0 / (9.0 * k) + z * np.sqrt(2.0 / (9.0 * k))) ** 3)


class GaussianDetector(Detector):
    """Mahalanobis-distance detector (see the module docstring)."""

    def __init__(
        self, false_alarm_rate: float = 0.001, shrinkage: float = 0.05, warmup: int = 30
    ) -> None:
        self.false_alarm_rate = false_alarm_rate
        self.shrinkage = shrinkage
        self.warmup = warmup

    # -- state -------------------------------------------------------------------------
    def _reset(self, names: Sequence[str]) -> None:
        d = len(names)
        if d == 0:
            raise DataError("a detector needs at least one signal")
        self.names_ = tuple(names)
        self.n_ = 0
        self.mean_ = np.zeros(d)
        self.m2_ = np.zeros((d, d))
        self.skipped_ = 0
        self._precision: FloatArray | None = None

    def _threshold(self) -> float:
        return chi2_quantile(len(self.names_), self.false_alarm_rate) / len(self.names_)

    def _precision_matrix(self) -> FloatArray:
        if self._precision is None:
            cov = self.m2_ / max(self.n_ - 1, 1)
            diag = np.diag(np.diag(cov))
            shrunk = (1.0 - self.shrinkage) * cov + self.shrinkage * diag
            scale = max(float(np.mean(np.diag(cov))), 1e-12)
            shrunk += np.eye(cov.shape[0]) * 1e-9 * scale + np.eye(cov.shape[0]) * 1e-12
            self._precision = np.asarray(np.linalg.pinv(shrunk), dtype=np.float64)
        return self._precision

    def _vector(self, x: Mapping[str, float]) -> FloatArray:
        try:
            return np.array([float(x[n]) for n in self.names_])
        except KeyError as err:
            raise DataError(f"sample lacks signal {err.args[0]!r}") from err

    def _warm(self) -> bool:
        return hasattr(self, "names_") and self.n_ >= max(self.warmup, 2)

    # -- streaming face ----------------------------------------------------------------
    def score_one(self, x: Mapping[str, float]) -> float:
        """Squared Mahalanobis distance / signals; 0.0 while warming up."""
        if not self._warm():
            return 0.0
        return float(self.score(self._vector(x)[None, :])[0])

    def learn_one(self, x: Mapping[str, float]) -> None:
        """Update mean and covariance with ``x`` unless the current model flags it."""
        if not hasattr(self, "names_"):
            self._reset(list(x))
        v = self._vector(x)
        if self._warm() and bool(self.flag([self.score_one(x)])[0]):
            self.skipped_ += 1
            return
        self.n_ += 1
        delta = v - self.mean_
        self.mean_ = self.mean_ + delta / self.n_
        self.m2_ = self.m2_ + np.outer(delta, v - self.mean_)
        self._precision = None

    # -- batch face --------------------------------------------------------------------
    def fit(self, x: npt.ArrayLike, names: Sequence[str] | None = None) -> Self:
        """Learn from the rows of ``x``; refit once without the rows that fit flags."""
        data = as_matrix(x)
        cols = list(names) if names is not None else [f"x{j}" for j in range(data.shape[1])]
        if len(cols) != data.shape[1]:
            raise DataError(f"{len(cols)} names for {data.shape[1]} columns")
        for keep_all in (True, False):
            rows = data if keep_all else data[~self.flag(self.score(data))]
            self._reset(cols)
            self.n_ = rows.shape[0]
            if self.n_ > 0:
                self.mean_ = rows.mean(axis=0)
                centred = rows - self.mean_
                self.m2_ = centred.T @ centred
        self.skipped_ = data.shape[0] - self.n_
        return self

    def score(self, x: npt.ArrayLike) -> FloatArray:
        """Score of every row of ``x`` (zeros while warming up)."""
        data = as_matrix(x)
        if not self._warm():
            return np.zeros(data.shape[0])
        if data.shape[1] != len(self.names_):
            raise DataError(f"expected {len(self.names_)} signals, got {data.shape[1]}")
        centred = data - self.mean_
        d2 = np.einsum("ij,jk,ik->i", centred, self._precision_matrix(), centred)
        return np.asarray(np.maximum(d2, 0.0) / len(self.names_), dtype=np.float64)

    def flag(self, scores: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Scores above the chi-square threshold (nothing while warming up)."""
        s = np.asarray(scores, dtype=np.float64)
        if not self._warm():
            return np.zeros(s.shape, dtype=np.bool_)
        return np.asarray(s > self._threshold(), dtype=np.bool_)

    def contributions(self, x: Mapping[str, float]) -> dict[str, float]:
        """Per-signal share of the score: centred value x (precision @ centred value) / signals."""
        if not self._warm():
            return dict.fromkeys(self.names_, 0.0) if hasattr(self, "names_") else {}
        centred = self._vector(x) - self.mean_
        parts = centred * (self._precision_matrix() @ centred) / len(self.names_)
        return {n: float(p) for n, p in zip(self.names_, parts, strict=True)}
