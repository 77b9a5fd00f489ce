"""Classic renewal-reward maintenance baselines: age replacement and block replacement.

With preventive cost ``c_p``, failure cost ``c_f`` and lifetime distribution F (survival S):

* **age replacement** at age T (renew at failure or at age T, whichever first)::

      g(T) = (c_p S(T) + c_f F(T)) / integral_0^T S(u) du

  and ``g(inf) = c_f / E[X]`` (run to failure).
* **block replacement** every T regardless of failures (failures renewed in between)::

      g_B(T) = (c_p + c_f M(T)) / T,   M the renewal function  M = F + M * dF

  with M computed on a uniform grid by the discretised renewal equation.

The optimum is found on a grid and refined by golden-section search around the best point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.decisions.policy.lifetime import Lifetime

__all__ = [
    "IntervalChoice",
    "age_replacement_cost_rate",
    "block_replacement_cost_rate",
    "optimal_age_replacement",
    "optimal_block_replacement",
    "renewal_function",
    "run_to_failure_cost_rate",
]

FloatArray = npt.NDArray[np.float64]
_GRID = 800
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True, slots=True)
class IntervalChoice:
    """The best interval of a baseline policy and what it saves over running to failure."""

    interval: float  # math.inf when running to failure is best
    cost_rate: float
    run_to_failure_rate: float

    @property
    def saving_rate(self) -> float:
        """Cost per unit time saved versus running to failure (>= 0)."""
        return self.run_to_failure_rate - self.cost_rate


def _check_costs(c_p: float, c_f: float) -> None:
    if c_p < 0 or c_f <= 0:
        raise ValueError("costs must satisfy c_p >= 0 and c_f > 0")


def run_to_failure_cost_rate(lifetime: Lifetime, c_f: float) -> float:
    """``c_f / E[X]``: the limit of the age-replacement cost rate as T grows."""
    return c_f / lifetime.mean()


def age_replacement_cost_rate(
    lifetime: Lifetime, interval: npt.ArrayLike, c_p: float, c_f: float
) -> FloatArray:
    """Long-run cost per unit time of age replacement at each ``interval`` (> 0)."""
    _check_costs(c_p, c_f)
    t = np.asarray(interval, dtype=np.float64)
    s = lifetime.survival(t)
    up = lifetime.integrated_survival(t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = (c_p * s + c_f * (1.0 - s)) / up
    return np.asarray(np.where(up > 0, rate, np.inf), dtype=np.float64)


def renewal_function(lifetime: Lifetime, horizon: float, steps: int = 2000) -> FloatArray:
    """M(t) on ``linspace(0, horizon, steps + 1)``: expected failures in [0, t] with renewal."""
    t = np.linspace(0.0, horizon, steps + 1)
    f = 1.0 - lifetime.survival(t)
    df = np.diff(f)  # probability mass in each grid cell
    m = np.zeros_like(t)
    for i in range(1, t.size):
        # M(t_i) = F(t_i) + sum_{j=1..i} (F(t_j) - F(t_{j-1})) M(t_{i-j})
        m[i] = f[i] + float(np.dot(df[:i], m[i - 1 :: -1][:i]))
    return m


def block_replacement_cost_rate(
    lifetime: Lifetime, interval: npt.ArrayLike, c_p: float, c_f: float, steps: int = 2000
) -> FloatArray:
    """Long-run cost per unit time of block replacement every ``interval`` (> 0)."""
    _check_costs(c_p, c_f)
    t = np.asarray(interval, dtype=np.float64)
    top = float(t.max())
    grid = np.linspace(0.0, top, steps + 1)
    m = renewal_function(lifetime, top, steps)
    mt = np.interp(t, grid, m)
    return np.asarray((c_p + c_f * mt) / t, dtype=np.float64)


def _refine(rate: Callable[[float], float], lo: float, hi: float) -> tuple[float, float]:
    a, b = lo, hi
    x1, x2 = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    f1, f2 = rate(x1), rate(x2)
    for _ in range(60):
        if f1 <= f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - _GOLDEN * (b - a)
            f1 = rate(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + _GOLDEN * (b - a)
            f2 = rate(x2)
    x = (a + b) / 2
    return x, rate(x)


def _search(rates: Callable[[FloatArray], FloatArray], top: float, rtf: float) -> IntervalChoice:
    grid = np.linspace(top / _GRID, top, _GRID)
    r = rates(grid)
    i = int(np.argmin(r))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    x, fx = _refine(lambda v: float(rates(np.array([v]))[0]), float(lo), float(hi))
    if float(r[i]) < fx:
        x, fx = float(grid[i]), float(r[i])
    if fx >= rtf:
        return IntervalChoice(math.inf, rtf, rtf)
    return IntervalChoice(x, fx, rtf)


def optimal_age_replacement(
    lifetime: Lifetime, c_p: float, c_f: float, *, upper: float | None = None
) -> IntervalChoice:
    """T* minimising the age-replacement cost rate (``inf`` if running to failure is best).

    Searched on (0, ``upper``], by default the 0.999 quantile of the lifetime.
    """
    _check_costs(c_p, c_f)
    top = upper if upper is not None else lifetime.quantile(0.999)
    return _search(
        lambda t: age_replacement_cost_rate(lifetime, t, c_p, c_f),
        top,
        run_to_failure_cost_rate(lifetime, c_f),
    )


def optimal_block_replacement(
    lifetime: Lifetime, c_p: float, c_f: float, *, upper: float | None = None
) -> IntervalChoice:
    """T* minimising the block-replacement cost rate (``inf`` if running to failure is best)."""
    _check_costs(c_p, c_f)
    top = upper if upper is not None else lifetime.quantile(0.999)
    grid = np.linspace(0.0, top, 2001)
    m = renewal_function(lifetime, top, 2000)

    def rates(t: FloatArray) -> FloatArray:
        return np.asarray((c_p + c_f * np.interp(t, grid, m)) / t, dtype=np.float64)

    return _search(rates, top, run_to_failure_cost_rate(lifetime, c_f))
