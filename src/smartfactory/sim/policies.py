"""The simulator's maintenance policies: run to failure, preventive, oracle (and predictive).

* :class:`RunToFailure` - repairs only, no preventive job ever.
* :class:`Preventive` - age-based fixed interval per machine, the best one for the machine's
  TRUE wear model (:func:`~smartfactory.sim.lifetimes.best_interval`, Monte Carlo on a
  separate random stream); the job goes into the off-production window whose producing age
  is closest to T*. A strong baseline: it knows the true lifetime distribution.
* :class:`Oracle` - sees the hidden wear (``uses_hidden_state``): when the machine could fail
  before the window after next, it plans the job for the next window, with a deadline just
  before the failure instant if that comes first. The upper bound for prediction.
* :class:`~smartfactory.sim.predictive.Predictive` - the product's own models (own module).

Windows are the calendar's off-production spans (breaks and no-shift) long enough for the
job; crews are the plant's, so jobs may wait for one.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping

import numpy as np

from smartfactory.decisions.policy import MaintenanceCosts
from smartfactory.domain.assets import Plant
from smartfactory.domain.behaviour import GammaDegradation, MachineBehaviour
from smartfactory.sim.hook import Observation, Order, Truth, WindowsAhead
from smartfactory.sim.lifetimes import PolicyCosts, best_interval

__all__ = [
    "Oracle",
    "Preventive",
    "RunToFailure",
    "best_policies",
    "closest_window",
    "machine_costs",
    "next_two_windows",
    "units_per_h",
]

_ORACLE_MARGIN_H = 0.02


def units_per_h(plant: Plant, machine_id: str) -> float:
    """Mean units per producing hour of a machine over the routing steps it may run."""
    m = plant.machine(machine_id)
    cycles = [
        step.ideal_cycle_s * m.behaviour.speed_factor
        for p in plant.products
        for step in p.routing
        if machine_id in step.machines
    ]
    return 3600.0 / float(np.mean(cycles)) if cycles else 0.0


def machine_costs(plant: Plant) -> dict[str, MaintenanceCosts]:
    """Each machine's maintenance economics from the plant file (scrap of wear included)."""
    return {
        m.id: MaintenanceCosts.for_machine(
            plant.costs,
            m.behaviour,
            crews=plant.maintenance.crews,
            units_per_h=units_per_h(plant, m.id),
        )
        for m in plant.machines()
    }


def best_policies(plant: Plant, seed: int) -> dict[str, PolicyCosts]:
    """The Monte Carlo optimum per machine on its true wear model (cached per machine type)."""
    costs = machine_costs(plant)
    cache: dict[tuple[MachineBehaviour, MaintenanceCosts], PolicyCosts] = {}
    out: dict[str, PolicyCosts] = {}
    for m in plant.machines():
        b, c = m.behaviour, costs[m.id]
        if not isinstance(b.degradation, GammaDegradation):
            continue
        if (b, c) not in cache:
            cache[b, c] = _best(b.degradation, b.preventive.restores, c, seed)
        out[m.id] = cache[b, c]
    return out


@functools.lru_cache(maxsize=256)
def _best(cfg: GammaDegradation, restores: float, c: MaintenanceCosts, seed: int) -> PolicyCosts:
    key = int.from_bytes(hashlib.sha256(repr((cfg, restores, c)).encode()).digest()[:8], "big")
    return best_interval(
        cfg,
        restores,
        c.preventive_total(),
        c.failure_total(),
        np.random.default_rng([seed, key]),
        wear_cost_per_h=c.wear_cost_per_h,
    )


def next_two_windows(windows: WindowsAhead, duration_h: float) -> tuple[float, float]:
    """Working hours before the next two windows that fit a job (inf where none)."""
    k = windows.first_fitting(duration_h)
    w = windows.work_before_h[k]
    first = float(w[0]) if w.size else math.inf
    second = float(w[1]) if w.size > 1 else math.inf
    return first, second


class RunToFailure:
    """Repairs only: never plans a preventive job."""

    name = "run-to-failure"
    uses_hidden_state = False

    def __init__(self, decision_interval_h: float = 24.0) -> None:
        self.decision_interval_h = decision_interval_h

    def bind(self, plant: Plant) -> None:
        """Nothing to prepare."""

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        """No jobs."""
        return {}


class Preventive:
    """Age-based fixed interval, optimal for each machine's true wear model."""

    name = "preventive"
    uses_hidden_state = False

    def __init__(self, seed: int = 0, decision_interval_h: float = 1.0) -> None:
        self.seed = seed
        self.decision_interval_h = decision_interval_h
        self.intervals: dict[str, float] = {}
        self._durations: dict[str, float] = {}

    def bind(self, plant: Plant) -> None:
        """Compute T* per machine type on the true wear model (Monte Carlo)."""
        self._durations = {m.id: m.behaviour.preventive.duration_h for m in plant.machines()}
        best = best_policies(plant, self.seed)
        self.intervals = {
            m.id: best[m.id].interval_h if m.id in best else math.inf for m in plant.machines()
        }

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        """Plan the job in the window whose age is closest to T*."""
        out: dict[str, Order] = {}
        for m in observation.machines:
            t_star = self.intervals.get(m.id, math.inf)
            if not math.isfinite(t_star):
                continue
            w1, w2 = next_two_windows(observation.windows, self._durations[m.id])
            u = max(m.utilisation, 0.05)
            age1 = m.since_maintenance_h + u * w1
            age2 = m.since_maintenance_h + u * w2
            if age1 >= t_star or abs(age1 - t_star) <= abs(age2 - t_star):
                out[m.id] = Order(next_window=True)
        return out


class Oracle:
    """Knows the true wear and failure instants (``uses_hidden_state``).

    It maintains when the true wear would pass the best threshold d* (Monte Carlo on the true
    model, scrap included) by the window after next - in the window where the wear is
    closest to d* - and always just before a failure: the job goes into the next window, with
    a deadline a moment before the failure instant when that comes first.
    """

    name = "oracle"
    uses_hidden_state = True

    def __init__(self, seed: int = 0, decision_interval_h: float = 0.5) -> None:
        self.seed = seed
        self.decision_interval_h = decision_interval_h
        self._durations: dict[str, float] = {}
        self._life: dict[str, float] = {}
        self.thresholds: dict[str, float] = {}

    def bind(self, plant: Plant) -> None:
        """Durations, mean lives and the best thresholds."""
        self._durations = {m.id: m.behaviour.preventive.duration_h for m in plant.machines()}
        for m in plant.machines():
            deg = m.behaviour.degradation
            self._life[m.id] = deg.mean_life_h if isinstance(deg, GammaDegradation) else math.inf
        best = best_policies(plant, self.seed)
        self.thresholds = {k: v.threshold for k, v in best.items()}

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        """Next window if the wear nears d* or a failure could come before the window after."""
        if truth is None:
            raise ValueError("the oracle needs the hidden state")
        out: dict[str, Order] = {}
        for k, m in enumerate(observation.machines):
            h = float(truth.hours_to_failure[k])
            if not math.isfinite(h):
                continue
            w1, w2 = next_two_windows(observation.windows, self._durations[m.id])
            due = max(h - _ORACLE_MARGIN_H, 0.0)
            if h <= w2 + self.decision_interval_h:
                out[m.id] = Order(next_window=True, due_h=due)
                continue
            if closest_window(
                float(truth.degradation[k]),
                self.thresholds.get(m.id, math.inf),
                m.utilisation / self._life[m.id],
                w1,
                w2,
            ):
                out[m.id] = Order(next_window=True, due_h=due)
        return out


def closest_window(level: float, target: float, rate_per_h: float, w1: float, w2: float) -> bool:
    """Whether the next window is where ``level`` (growing at ``rate_per_h``) is nearest ``target``.

    True as well once the level would be past the target at the next window.
    """
    if not math.isfinite(target):
        return False
    at1 = level + rate_per_h * w1
    at2 = level + rate_per_h * w2
    return at1 >= target or abs(at1 - target) <= abs(at2 - target)
