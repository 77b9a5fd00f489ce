"""Maintenance policy: when to maintain, and in which window.

Pure functions over NumPy arrays, with pydantic models at the boundary:

* :mod:`.lifetime` - Weibull (``fit_weibull``) and empirical lifetime distributions.
* :mod:`.renewal` - classic baselines: age replacement (``optimal_age_replacement``) and
  block replacement (``optimal_block_replacement``) by the renewal-reward cost rate.
* :mod:`.expected_cost` - the expected-cost decision from a machine's RUL distribution
  (``decide``, vectorised ``cost_rates``) with ``MaintenanceCosts`` from the plant file.
* :mod:`.windows` - candidate windows (``free_windows``), the least-harm window
  (``choose_window``) and sharing a line's downtime (``group_by_line``).

The simulator's policies built on these live in :mod:`smartfactory.sim.policies`.
"""

from __future__ import annotations

from smartfactory.decisions.policy.expected_cost import (
    Alternative,
    MaintenanceCosts,
    MaintenanceDecision,
    cost_rates,
    decide,
    samples_from_quantiles,
)
from smartfactory.decisions.policy.lifetime import Empirical, Lifetime, Weibull, fit_weibull
from smartfactory.decisions.policy.renewal import (
    IntervalChoice,
    age_replacement_cost_rate,
    block_replacement_cost_rate,
    optimal_age_replacement,
    optimal_block_replacement,
    renewal_function,
    run_to_failure_cost_rate,
)
from smartfactory.decisions.policy.windows import (
    LineJob,
    Window,
    WindowChoice,
    choose_window,
    free_windows,
    group_by_line,
    overlap_h,
)

__all__ = [
    "Alternative",
    "Empirical",
    "IntervalChoice",
    "Lifetime",
    "LineJob",
    "MaintenanceCosts",
    "MaintenanceDecision",
    "Weibull",
    "Window",
    "WindowChoice",
    "age_replacement_cost_rate",
    "block_replacement_cost_rate",
    "choose_window",
    "cost_rates",
    "decide",
    "fit_weibull",
    "free_windows",
    "group_by_line",
    "optimal_age_replacement",
    "optimal_block_replacement",
    "overlap_h",
    "renewal_function",
    "run_to_failure_cost_rate",
    "samples_from_quantiles",
]
