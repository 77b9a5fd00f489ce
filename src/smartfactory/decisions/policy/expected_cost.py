"""When to maintain one machine, from its RUL distribution and the plant's costs.

Renewal-reward: a maintenance cycle started ``elapsed`` hours ago ends at the failure (RUL R
from now) or at the preventive job at ``t`` hours from now, whichever comes first. Its
expected cost per unit time, for the alternative "maintain at t", is::

    g(t) = (C_p(t) P(R > t) + C_f P(R <= t)) / (elapsed + E[min(R, t)])

and for "run to failure" ``g(inf) = C_f / (elapsed + E[R])``. ``C_p(t)`` is the preventive
cost of that alternative (parts + crew labour, plus the margin lost if the job stops
production), ``C_f`` the failure cost (parts + crew labour + downtime of the repair and of the
wait for a crew). The alternative with the least ``g`` is chosen; the benefit versus doing
nothing is ``g(inf) - g(chosen)`` per hour. The RUL distribution is given as samples (e.g.
from a model or Monte Carlo) or as quantiles (turned into samples by interpolating the
inverse CDF, :func:`samples_from_quantiles`). Everything is vectorised over machines by
:func:`cost_rates`; :func:`decide` is the one-machine convenience.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.domain.assets import Costs
from smartfactory.domain.behaviour import MachineBehaviour

__all__ = [
    "Alternative",
    "MaintenanceCosts",
    "MaintenanceDecision",
    "cost_rates",
    "decide",
    "samples_from_quantiles",
]

FloatArray = npt.NDArray[np.float64]


class MaintenanceCosts(BaseModel):
    """A machine's maintenance economics (money in the plant's currency, times in hours)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preventive_cost: float = Field(ge=0, description="Parts and consumables per preventive job.")
    failure_cost: float = Field(ge=0, description="Parts per breakdown repair.")
    labour_per_h: float = Field(default=0.0, ge=0, description="Per crew-hour.")
    downtime_per_h: float = Field(default=0.0, ge=0, description="Lost margin per stopped hour.")
    preventive_h: float = Field(default=1.0, gt=0, description="Duration of a preventive job.")
    repair_h: float = Field(default=3.0, gt=0, description="Mean repair duration.")
    crews: int = Field(default=1, ge=1, description="Crews available for this machine's work.")
    crew_wait_h: float = Field(
        default=0.0, ge=0, description="Expected wait for a crew after a breakdown."
    )
    wear_cost_per_h: float = Field(
        default=0.0,
        ge=0,
        description="Running cost of wear per producing hour at full wear, scaled by D^2 (scrap).",
    )

    @classmethod
    def for_machine(
        cls,
        costs: Costs,
        behaviour: MachineBehaviour,
        *,
        crews: int = 1,
        crew_wait_h: float = 0.0,
        units_per_h: float = 0.0,
    ) -> MaintenanceCosts:
        """The economics of one machine of a plant file (``units_per_h`` prices scrap)."""
        return cls(
            preventive_cost=costs.preventive_maintenance,
            failure_cost=costs.corrective_maintenance,
            labour_per_h=costs.maintenance_labour_per_h,
            downtime_per_h=costs.downtime_per_h,
            preventive_h=behaviour.preventive.duration_h,
            repair_h=behaviour.repair.mean_h,
            crews=crews,
            crew_wait_h=crew_wait_h,
            wear_cost_per_h=costs.scrap_per_unit * behaviour.scrap.degradation_gain * units_per_h,
        )

    def preventive_total(self, lost_production_h: float = 0.0) -> float:
        """Cost of one preventive job that stops production for ``lost_production_h``."""
        return (
            self.preventive_cost
            + self.labour_per_h * self.preventive_h
            + self.downtime_per_h * lost_production_h
        )

    def failure_total(self) -> float:
        """Expected cost of one breakdown: parts, labour, downtime of repair and crew wait."""
        return (
            self.failure_cost
            + self.labour_per_h * self.repair_h
            + self.downtime_per_h * (self.repair_h + self.crew_wait_h)
        )


@dataclass(frozen=True, slots=True)
class Alternative:
    """One option considered: maintain ``time_h`` hours from now (inf: run to failure)."""

    label: str
    time_h: float
    preventive_cost: float
    failure_probability: float
    cost_rate: float


@dataclass(frozen=True, slots=True)
class MaintenanceDecision:
    """The chosen alternative, all alternatives considered, and the benefit of acting."""

    chosen: Alternative
    alternatives: tuple[Alternative, ...]
    run_to_failure: Alternative

    @property
    def benefit_rate(self) -> float:
        """Expected cost per hour saved versus doing nothing (running to failure)."""
        return self.run_to_failure.cost_rate - self.chosen.cost_rate


def samples_from_quantiles(
    levels: npt.ArrayLike, values: npt.ArrayLike, n: int = 200
) -> FloatArray:
    """``n`` equally spaced draws of the inverse CDF through the given RUL quantiles.

    Levels must be increasing in (0, 1); below the first and above the last level the
    quantile function is held flat.
    """
    p = np.asarray(levels, dtype=np.float64)
    q = np.maximum.accumulate(np.clip(np.asarray(values, dtype=np.float64), 0.0, None))
    if p.ndim != 1 or p.shape != q.shape or p.size == 0 or np.any(np.diff(p) <= 0):
        raise ValueError("quantile levels must be one increasing array matching the values")
    u = (np.arange(n) + 0.5) / n
    return np.asarray(np.interp(u, p, q), dtype=np.float64)


def cost_rates(
    rul: FloatArray,
    times_h: FloatArray,
    preventive_cost: FloatArray,
    failure_cost: FloatArray,
    elapsed_h: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Renewal-reward cost rates for M machines at once.

    ``rul``: (M, n) samples; ``times_h``: (M, K) candidate times (inf allowed: run to
    failure); ``preventive_cost``: (M, K); ``failure_cost``, ``elapsed_h``: (M,). Returns the
    cost rates (M, K), the failure probabilities before each time (M, K), and the run-to-
    failure rates (M,).
    """
    r = rul[:, :, None]
    t = times_h[:, None, :]
    fail = np.mean(r <= t, axis=1)
    up = elapsed_h[:, None] + np.mean(np.minimum(r, t), axis=1)
    cost = preventive_cost * (1.0 - fail) + failure_cost[:, None] * fail
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rates = np.where(up > 0, cost / up, np.inf)
        rtf = np.where(
            elapsed_h + rul.mean(axis=1) > 0, failure_cost / (elapsed_h + rul.mean(axis=1)), np.inf
        )
    return (
        np.asarray(rates, dtype=np.float64),
        np.asarray(fail, dtype=np.float64),
        np.asarray(rtf, dtype=np.float64),
    )


def decide(
    rul_samples: npt.ArrayLike,
    candidates: Sequence[tuple[str, float, float]],
    costs: MaintenanceCosts,
    *,
    elapsed_h: float = 0.0,
) -> MaintenanceDecision:
    """Choose when to maintain one machine.

    ``candidates`` are ``(label, hours from now, production hours lost by the job)``, e.g.
    ``("now", 0, 1.5)`` during a shift or ``("window 17:00", 6, 0)`` for an off-shift window.
    Run to failure is always considered too; ties go to the later alternative.
    """
    rul = np.asarray(rul_samples, dtype=np.float64).reshape(1, -1)
    if rul.size == 0 or np.any(rul < 0) or not np.all(np.isfinite(rul)):
        raise ValueError("RUL samples must be finite and non-negative")
    if not candidates:
        raise ValueError("at least one candidate time is needed")
    times = np.array([[c[1] for c in candidates]], dtype=np.float64)
    cp = np.array([[costs.preventive_total(c[2]) for c in candidates]], dtype=np.float64)
    cf = np.array([costs.failure_total()])
    rates, fail, rtf = cost_rates(rul, times, cp, cf, np.array([elapsed_h]))
    alts = tuple(
        Alternative(label, float(t), float(cp[0, k]), float(fail[0, k]), float(rates[0, k]))
        for k, (label, t, _) in enumerate(candidates)
    )
    rtf_alt = Alternative("run to failure", math.inf, 0.0, 1.0, float(rtf[0]))
    best = rtf_alt
    for alt in sorted(alts, key=lambda a: -a.time_h):
        if alt.cost_rate < best.cost_rate - 1e-12 * max(1.0, abs(best.cost_rate)):
            best = alt
    return MaintenanceDecision(best, alts, rtf_alt)
