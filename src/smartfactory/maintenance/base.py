"""The model contracts of ``maintenance``: anomaly detectors and remaining-useful-life estimators.

Both follow the house style (after river): hyper-parameters are exactly the constructor
arguments, stored unchanged under their own names (:meth:`Estimator.get_params`,
:meth:`Estimator.clone`); learnt state ends with ``_``. Randomness comes from a ``seed``
argument turned into a ``numpy.random.Generator`` inside the model, never a global seed.

:class:`Detector` has a streaming face (``learn_one`` / ``score_one`` on plain dicts: score
first, then learn; ``score_one`` works before any learning; points the detector flags are never
learnt) and a batch face (``fit`` / ``score`` on NumPy arrays). Higher scores mean more
anomalous; :meth:`Detector.flag` turns a score into a decision.

:class:`RULEstimator` is trained on run-to-failure histories: ``fit(x, y, groups)`` with one row
per time step, its remaining useful life ``y`` and the unit (run) it belongs to; ``predict``
gives point estimates and ``predict_interval`` a :class:`RULInterval` that brackets the truth
with probability ``coverage``. ``predict_one`` takes a dict of named features and returns None
until the estimator is fitted.
"""

from __future__ import annotations

import copy
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from smartfactory.errors import DataError

__all__ = [
    "Detector",
    "Estimator",
    "FloatArray",
    "IntArray",
    "RULEstimator",
    "RULInterval",
    "RULPrediction",
    "as_matrix",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_matrix(x: npt.ArrayLike) -> FloatArray:
    """``x`` as a 2-D float64 array; DataError if it is not 2-D or holds NaN/inf."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise DataError(f"expected a 2-D array of samples x features, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("input holds NaN or infinite values")
    return arr


class Estimator:
    """Hyper-parameter handling shared by every model."""

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments and their current values."""
        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        return {name: getattr(self, name) for name in names}

    def clone(self, **changes: object) -> Self:
        """A new, unfitted model with the same hyper-parameters (some changed)."""
        params = copy.deepcopy(self.get_params())
        params.update(changes)
        return type(self)(**params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class Detector(Estimator, ABC):
    """A multivariate anomaly detector (see the module docstring)."""

    @abstractmethod
    def learn_one(self, x: Mapping[str, float]) -> None:
        """Learn one sample (unless it is flagged anomalous)."""

    @abstractmethod
    def score_one(self, x: Mapping[str, float]) -> float:
        """Anomaly score of one sample, >= 0; 0.0 before anything is learnt."""

    @abstractmethod
    def fit(self, x: npt.ArrayLike, names: Sequence[str] | None = None) -> Self:
        """Learn normal behaviour from the rows of ``x`` (columns named ``names``)."""

    @abstractmethod
    def score(self, x: npt.ArrayLike) -> FloatArray:
        """Anomaly score of each row of ``x``."""

    @abstractmethod
    def flag(self, scores: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which scores are anomalous."""


@dataclass(frozen=True, slots=True)
class RULInterval:
    """Point predictions of remaining useful life and their interval bounds (same shape)."""

    point: FloatArray
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True, slots=True)
class RULPrediction:
    """Remaining useful life of one unit: the estimate and its interval."""

    rul: float
    lower: float
    upper: float


class RULEstimator(Estimator, ABC):
    """A remaining-useful-life regressor with prediction intervals (see the module docstring)."""

    coverage: float

    @abstractmethod
    def fit(
        self,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        groups: npt.ArrayLike,
        names: Sequence[str] | None = None,
    ) -> Self:
        """Learn from rows ``x``, their RUL ``y`` and run ids ``groups``."""

    @abstractmethod
    def predict_interval(self, x: npt.ArrayLike) -> RULInterval:
        """Point estimates and ``coverage`` intervals for the rows of ``x``."""

    @property
    @abstractmethod
    def feature_names(self) -> tuple[str, ...] | None:
        """Names of the features learnt by ``fit``, None before fitting."""

    def predict(self, x: npt.ArrayLike) -> FloatArray:
        """Point estimates of remaining useful life for the rows of ``x``."""
        return self.predict_interval(x).point

    def predict_one(self, x: Mapping[str, float]) -> RULPrediction | None:
        """Estimate and interval for one row of named features; None until fitted."""
        names = self.feature_names
        if names is None:
            return None
        missing = [n for n in names if n not in x]
        if missing:
            raise DataError(f"missing features {missing[:5]} (of {len(missing)})")
        out = self.predict_interval(np.array([[float(x[n]) for n in names]]))
        return RULPrediction(float(out.point[0]), float(out.lower[0]), float(out.upper[0]))
