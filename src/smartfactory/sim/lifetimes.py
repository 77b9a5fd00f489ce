"""Monte Carlo of a machine's true wear model: failure times and the best fixed interval.

Used by the *preventive* baseline (which is allowed the true lifetime distribution) and to
generate training histories for the *predictive* policy. Paths follow the same gamma process
as :class:`~smartfactory.sim.degradation.GammaWear` (increments on a grid of L/500 producing
hours), drawn from a separate random stream.

:func:`best_interval` sweeps fixed intervals T (producing hours since the last repair or
preventive job) on common random paths: a preventive job at age T removes ``restores`` of the
wear (imperfect maintenance, as the simulator does); a failure renews. The long-run cost rate
``(n_pm C_p + n_f C_f + scrap cost of wear) / hours`` is estimated per T and the best T is
returned, together with the best wear threshold for condition-based maintenance (used by the
oracle, which sees the wear). Without wear cost and with ``restores == 1`` the jobs are
renewals and the interval sweep is age replacement (checked against
:func:`~smartfactory.decisions.policy.optimal_age_replacement` on sampled failure times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.domain.behaviour import GammaDegradation

__all__ = ["PolicyCosts", "best_interval", "failure_times", "gamma_paths"]

FloatArray = npt.NDArray[np.float64]
_STEPS_PER_LIFE = 500
_MC_STEPS_PER_LIFE = 250  # the policy sweep's grid (the sum of gamma steps is exact on any grid)


def gamma_paths(
    cfg: GammaDegradation, rng: np.random.Generator, n: int, horizon_h: float
) -> tuple[float, FloatArray]:
    """``n`` wear paths from 0 on the simulator's grid up to ``horizon_h``: (dt, D[n, steps+1])."""
    dt = cfg.mean_life_h / _STEPS_PER_LIFE
    steps = math.ceil(horizon_h / dt)
    cv2 = cfg.life_cv**2
    inc = rng.gamma(dt / (cfg.mean_life_h * cv2), cv2, (n, steps))
    d = np.concatenate([np.zeros((n, 1)), np.cumsum(inc, axis=1)], axis=1)
    return dt, d


def failure_times(cfg: GammaDegradation, rng: np.random.Generator, n: int = 2000) -> FloatArray:
    """Producing hours from new to failure (first crossing of D = 1), ``n`` samples."""
    horizon = cfg.mean_life_h * (2.0 + 8.0 * cfg.life_cv)
    while True:
        dt, d = gamma_paths(cfg, rng, n, horizon)
        if bool(np.all(d[:, -1] >= 1.0)):
            break
        horizon *= 2.0
    j = np.argmax(d >= 1.0, axis=1)
    lo = d[np.arange(n), j - 1]
    hi = d[np.arange(n), j]
    frac = np.where(hi > lo, (1.0 - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
    return np.asarray((j - 1 + frac) * dt, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PolicyCosts:
    """Long-run cost rates (per producing hour) of the best policies on the true wear model."""

    interval_h: float  # best age T (inf: run to failure is best among intervals)
    interval_rate: float
    threshold: float  # best wear threshold d* for condition-based maintenance (inf: never)
    threshold_rate: float
    run_to_failure_rate: float


def best_interval(
    cfg: GammaDegradation,
    restores: float,
    c_p: float,
    c_f: float,
    rng: np.random.Generator,
    *,
    wear_cost_per_h: float = 0.0,
    paths: int = 160,
    lives: float = 12.0,
) -> PolicyCosts:
    """Best age interval T* and best wear threshold d* by Monte Carlo on common paths.

    The cost counts preventive jobs (``c_p``), failures (``c_f``) and a running cost of wear
    ``wear_cost_per_h * D^2`` per producing hour (scrap rises with D^2 in the simulator).
    Intervals are ages since the last repair or job; thresholds trigger a job when D reaches
    them (checked on the wear grid).
    """
    intervals = np.concatenate([np.linspace(0.03, 1.2, 40) * cfg.mean_life_h, [math.inf]])
    thresholds = np.linspace(0.05, 0.98, 32)
    n_i = intervals.size
    dt = cfg.mean_life_h / _MC_STEPS_PER_LIFE
    steps = int(lives * _MC_STEPS_PER_LIFE)
    cv2 = cfg.life_cv**2
    shape = dt / (cfg.mean_life_h * cv2)
    cols = n_i + thresholds.size
    d = np.zeros((paths, cols))
    age = np.zeros_like(d)
    cost = np.zeros(cols)
    limit_age = np.concatenate([intervals, np.full(thresholds.size, math.inf)])
    limit_d = np.concatenate([np.full(n_i, math.inf), thresholds])
    keep = 1.0 - restores
    for _ in range(steps):
        d += rng.gamma(shape, cv2, (paths, 1))  # common random numbers across policies
        age += dt
        failed = d >= 1.0
        pm = ((age >= limit_age - 1e-9) | (d >= limit_d)) & ~failed
        cost += failed.sum(axis=0) * c_f + pm.sum(axis=0) * c_p
        if wear_cost_per_h > 0:
            cost += wear_cost_per_h * dt * np.square(np.minimum(d, 1.0)).sum(axis=0)
        d = np.where(failed, 0.0, np.where(pm, d * keep, d))
        age = np.where(failed | pm, 0.0, age)
    rates = cost / (paths * steps * dt)
    i = int(np.argmin(rates[:n_i]))
    j = int(np.argmin(rates[n_i:]))
    rtf = float(rates[n_i - 1])
    t_rate, d_rate = float(rates[i]), float(rates[n_i + j])
    return PolicyCosts(
        float(intervals[i]),
        t_rate,
        float(thresholds[j]) if d_rate < rtf else math.inf,
        min(d_rate, rtf),
        rtf,
    )
