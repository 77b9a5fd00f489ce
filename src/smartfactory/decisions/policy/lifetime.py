"""Lifetime distributions for maintenance decisions: Weibull (fitted or given) and empirical.

Both expose the same small vectorised interface (:class:`Lifetime`): survival ``S(t)``, the
integrated survival ``E[min(X, t)] = integral_0^t S(u) du`` (the expected up-time of a cycle
cut at ``t``), the mean and samples. Times are in any unit (the simulator uses producing
hours). :func:`fit_weibull` is the maximum-likelihood fit (bisection on the shape equation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Empirical", "Lifetime", "Weibull", "fit_weibull"]

FloatArray = npt.NDArray[np.float64]
_QUAD_POINTS = 4001


class Lifetime(Protocol):
    """A lifetime distribution on t >= 0."""

    def survival(self, t: npt.ArrayLike) -> FloatArray:
        """P(X > t), elementwise."""
        ...

    def integrated_survival(self, t: npt.ArrayLike) -> FloatArray:
        """E[min(X, t)] = integral of S from 0 to t, elementwise."""
        ...

    def mean(self) -> float:
        """E[X]."""
        ...

    def quantile(self, p: float) -> float:
        """The p-quantile."""
        ...


@dataclass(frozen=True, slots=True)
class Weibull:
    """Weibull lifetime: S(t) = exp(-(t / scale) ** shape)."""

    shape: float
    scale: float

    def __post_init__(self) -> None:
        if not (self.shape > 0 and self.scale > 0):
            raise ValueError("Weibull shape and scale must be positive")

    def survival(self, t: npt.ArrayLike) -> FloatArray:
        """P(X > t)."""
        x = np.clip(np.asarray(t, dtype=np.float64), 0.0, None)
        return np.asarray(np.exp(-((x / self.scale) ** self.shape)), dtype=np.float64)

    def integrated_survival(self, t: npt.ArrayLike) -> FloatArray:
        """E[min(X, t)] by trapezoidal quadrature on a fine grid (no special functions)."""
        x = np.clip(np.asarray(t, dtype=np.float64), 0.0, None)
        top = min(float(x.max()) if x.size else 0.0, self.quantile(1.0 - 1e-12))
        if top <= 0:
            return np.zeros_like(x)
        u = np.linspace(0.0, top, _QUAD_POINTS)  # beyond the cap S is < 1e-12: held flat
        s = self.survival(u)
        cum = np.concatenate([[0.0], np.cumsum((s[1:] + s[:-1]) * 0.5 * np.diff(u))])
        return np.asarray(np.interp(x, u, cum), dtype=np.float64)

    def mean(self) -> float:
        """The mean, scale x Gamma(1 + 1 / shape)."""
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    def quantile(self, p: float) -> float:
        """The p-quantile, scale x (-ln(1 - p)) ** (1 / shape)."""
        return float(self.scale * (-math.log1p(-p)) ** (1.0 / self.shape))

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent lifetimes."""
        return np.asarray(self.scale * rng.weibull(self.shape, n), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Empirical:
    """The empirical distribution of observed (uncensored) lifetimes."""

    samples: FloatArray

    def __post_init__(self) -> None:
        x = np.sort(np.asarray(self.samples, dtype=np.float64))
        if x.size == 0 or not np.all(np.isfinite(x)) or x[0] < 0:
            raise ValueError("empirical lifetimes need finite, non-negative samples")
        object.__setattr__(self, "samples", x)

    def survival(self, t: npt.ArrayLike) -> FloatArray:
        """Fraction of samples greater than t."""
        x = np.asarray(t, dtype=np.float64)
        k = np.searchsorted(self.samples, x, side="right")
        return np.asarray(1.0 - k / self.samples.size, dtype=np.float64)

    def integrated_survival(self, t: npt.ArrayLike) -> FloatArray:
        """mean(min(X, t)), exact, via prefix sums of the sorted samples."""
        x = np.clip(np.asarray(t, dtype=np.float64), 0.0, None)
        s = self.samples
        prefix = np.concatenate([[0.0], np.cumsum(s)])
        k = np.searchsorted(s, x, side="right")
        return np.asarray((prefix[k] + (s.size - k) * x) / s.size, dtype=np.float64)

    def mean(self) -> float:
        """Sample mean."""
        return float(self.samples.mean())

    def quantile(self, p: float) -> float:
        """Sample quantile (linear interpolation)."""
        return float(np.quantile(self.samples, p))


def fit_weibull(samples: npt.ArrayLike) -> Weibull:
    """Maximum-likelihood Weibull fit of positive, uncensored lifetimes.

    The shape k solves ``sum(x^k ln x) / sum(x^k) - 1/k - mean(ln x) = 0`` (increasing in
    k; found by bisection on a log scale); then ``scale = mean(x^k) ** (1/k)``.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.size < 2 or np.any(x <= 0) or not np.all(np.isfinite(x)):
        raise ValueError("a Weibull fit needs at least two positive, finite lifetimes")
    if np.ptp(x) == 0:
        raise ValueError("a Weibull fit needs lifetimes that differ")
    z = x / x.max()  # scale-free for numerical safety
    ln = np.log(z)
    mean_ln = float(ln.mean())

    def g(k: float) -> float:
        w = z**k
        return float((w * ln).sum() / w.sum()) - 1.0 / k - mean_ln

    lo, hi = 1e-3, 1e3
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if g(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi / lo < 1 + 1e-12:
            break
    k = math.sqrt(lo * hi)
    scale = float((z**k).mean() ** (1.0 / k)) * float(x.max())
    return Weibull(k, scale)
