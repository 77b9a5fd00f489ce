"""The predictive policy: the product's own health/RUL model and expected-cost decision.

It sees only an :class:`~smartfactory.sim.hook.Observation` (sensor readings, hour meters,
past events, the calendar) and never the hidden wear: its ``decide`` gets ``truth=None``.

Training ("the plant's own past failures"): :func:`training_histories` runs each machine
type's wear and sensor models from new to failure with a separate seed, reading the sensors
every ``step_h`` producing hours as the plant would (mean of an hour's samples). From these
run-to-failure histories alone the policy learns, per machine type:

* a **health index** HI: a linear score of the standardised sensor readings (least squares
  on the life fraction ``t / T_fail``), mapped monotonically onto the mean life fraction of
  its quantile bin (an isotonic calibration; HI ~ 0 new, ~ 1 at failure);
* an **RUL distribution** given HI: the RULs of the ``k`` training points nearest in HI;
* the **lifetime statistics** (mean and coefficient of variation of the failure times), from
  which the best condition threshold on HI is found by Monte Carlo with the plant's costs
  (:func:`~smartfactory.sim.lifetimes.best_interval` on the *fitted* model, scrap included),
  translated into HI units by :func:`life_fraction_at` on the same fitted model.

Decision (every ``decision_interval_h``): for each machine, (1) the expected-cost rule of
:mod:`smartfactory.decisions.policy` over "now", the next fitting windows and run to failure
on the RUL samples (renewal-reward, candidate times = utilisation x working hours before each
window); "now" wins -> job now, "next window" wins -> job in the next window; and (2) the
condition rule: job in the next window when HI would be nearest the threshold there.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.decisions.policy import MaintenanceCosts, cost_rates
from smartfactory.domain.assets import Plant
from smartfactory.domain.behaviour import GammaDegradation, MachineBehaviour
from smartfactory.sim.hook import Observation, Order, Truth
from smartfactory.sim.lifetimes import best_interval, gamma_paths
from smartfactory.sim.policies import closest_window, machine_costs

__all__ = [
    "HealthModel",
    "Predictive",
    "TrainingHistory",
    "life_fraction_at",
    "training_histories",
]

FloatArray = npt.NDArray[np.float64]
_SAMPLES_PER_READING = 60
_WINDOWS_CONSIDERED = 8
_HI_BINS = 60


@dataclass(frozen=True, slots=True)
class TrainingHistory:
    """Run-to-failure histories of one machine type: readings, ages and failure times."""

    readings: FloatArray  # (n, signals)
    age_h: FloatArray  # (n,) producing hours since new
    life_h: FloatArray  # (n,) producing hours at the failure ending that unit's run
    signals: tuple[str, ...]


def training_histories(
    behaviour: MachineBehaviour, rng: np.random.Generator, units: int = 60, step_h: float = 2.0
) -> TrainingHistory:
    """Simulated run-to-failure histories of a machine type (sensors read as the plant does)."""
    cfg = behaviour.degradation
    if not isinstance(cfg, GammaDegradation):
        raise ValueError("training histories need gamma wear")
    horizon = cfg.mean_life_h * (2.0 + 8.0 * cfg.life_cv)
    dt, d = gamma_paths(cfg, rng, units, horizon)
    j = np.argmax(d >= 1.0, axis=1)
    ok = d[np.arange(units), j] >= 1.0
    lo, hi = d[np.arange(units), j - 1], d[np.arange(units), j]
    life = (j - 1 + np.where(hi > lo, (1.0 - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)) * dt
    life, d = life[ok], d[ok]
    grid = np.arange(0.0, horizon, step_h)
    rows = np.repeat(np.arange(life.size), grid.size)
    ages = np.tile(grid, life.size)
    keep = ages < life[rows]
    rows, ages = rows[keep], ages[keep]
    level = d[rows, np.minimum((ages / dt).astype(np.int64), d.shape[1] - 1)]
    sensors = behaviour.sensors
    readings = np.empty((rows.size, len(sensors)))
    for k, s in enumerate(sensors):
        noise = s.noise_sd / math.sqrt(_SAMPLES_PER_READING)
        readings[:, k] = (
            s.producing + s.wear_gain * level**s.wear_power + noise * rng.standard_normal(rows.size)
        )
    return TrainingHistory(readings, ages, life[rows], tuple(s.signal for s in sensors))


def life_fraction_at(cfg: GammaDegradation, level: float, rng: np.random.Generator) -> float:
    """Mean life fraction ``t / T_fail`` of the instants at which wear is near ``level``.

    Monte Carlo on ``cfg``: translates a wear threshold into the units of the health index,
    which estimates exactly that conditional mean.
    """
    if not math.isfinite(level):
        return math.inf
    dt, d = gamma_paths(cfg, rng, 400, cfg.mean_life_h * (2.0 + 8.0 * cfg.life_cv))
    done = d[:, -1] >= 1.0
    t_fail = np.argmax(d >= 1.0, axis=1) * dt
    t = np.arange(d.shape[1]) * dt
    near = (np.abs(d - level) <= 0.02) & (t[None, :] < t_fail[:, None]) & done[:, None]
    rows, cols = np.nonzero(near)
    if rows.size == 0:
        return level
    return float(np.mean(t[cols] / t_fail[rows]))


class HealthModel:
    """HI regression and RUL-given-HI neighbours learned from run-to-failure histories."""

    def __init__(self, k: int = 120) -> None:
        self.k = k
        self._mean: FloatArray = np.zeros(0)
        self._sd: FloatArray = np.ones(0)
        self._coef: FloatArray = np.zeros(0)
        self._knots: FloatArray = np.zeros(0)
        self._values: FloatArray = np.zeros(0)
        self._hi: FloatArray = np.zeros(0)
        self._rul: FloatArray = np.zeros(0)
        self.signals: tuple[str, ...] = ()
        self.mean_life_h = math.nan
        self.life_cv = math.nan

    def _score(self, readings: FloatArray) -> FloatArray:
        z = (readings - self._mean) / self._sd
        return np.asarray(np.column_stack([np.ones(len(z)), z]) @ self._coef, dtype=np.float64)

    def fit(self, h: TrainingHistory) -> HealthModel:
        """Learn from histories (readings and failure times only)."""
        self.signals = h.signals
        sd = h.readings.std(axis=0)
        self._mean = np.asarray(h.readings.mean(axis=0), dtype=np.float64)
        self._sd = np.asarray(np.where(sd > 0, sd, 1.0), dtype=np.float64)
        y = h.age_h / h.life_h
        z = (h.readings - self._mean) / self._sd
        x = np.column_stack([np.ones(len(z)), z])
        self._coef = np.asarray(np.linalg.lstsq(x, y, rcond=None)[0], dtype=np.float64)
        score = self._score(h.readings)
        order = np.argsort(score)
        bins = np.array_split(order, _HI_BINS)
        self._knots = np.array([score[b].mean() for b in bins], dtype=np.float64)
        self._values = np.maximum.accumulate(np.array([y[b].mean() for b in bins]))
        hi = self.health(h.readings)
        order = np.argsort(hi)
        self._hi, self._rul = hi[order], (h.life_h - h.age_h)[order]
        lives = np.unique(h.life_h)
        self.mean_life_h = float(lives.mean())
        self.life_cv = float(lives.std() / lives.mean()) if lives.size > 1 else 0.3
        return self

    def health(self, readings: FloatArray) -> FloatArray:
        """HI per row of readings (signals in :attr:`signals` order)."""
        score = self._score(np.atleast_2d(readings))
        return np.asarray(np.interp(score, self._knots, self._values), dtype=np.float64)

    def rul_samples(self, hi: FloatArray) -> FloatArray:
        """(len(hi), k) RUL samples: the training RULs of the k nearest HI values."""
        n = self._hi.size
        k = min(self.k, n)
        pos = np.searchsorted(self._hi, hi)
        lo = np.clip(pos - k // 2, 0, n - k)
        return np.asarray(self._rul[lo[:, None] + np.arange(k)[None, :]], dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _train(
    b: MachineBehaviour, c: MaintenanceCosts, seed: int, units: int
) -> tuple[HealthModel, float]:
    """One machine type's model and HI threshold (cached: the same inputs give the same)."""
    key = int.from_bytes(hashlib.sha256(repr((b, c)).encode()).digest()[:8], "big")
    rng = np.random.default_rng([seed, 7919, key])
    model = HealthModel().fit(training_histories(b, rng, units))
    fitted = GammaDegradation(
        mean_life_h=model.mean_life_h, life_cv=min(max(model.life_cv, 0.05), 2.0)
    )
    best = best_interval(
        fitted,
        b.preventive.restores,
        c.preventive_total(),
        c.failure_total(),
        rng,
        wear_cost_per_h=c.wear_cost_per_h,
    )
    return model, life_fraction_at(fitted, best.threshold, rng)


class Predictive:
    """Health/RUL model + expected-cost decision, from observations only (see module doc)."""

    name = "predictive"
    uses_hidden_state = False

    def __init__(
        self, seed: int = 0, decision_interval_h: float = 2.0, training_units: int = 60
    ) -> None:
        self.seed = seed
        self.decision_interval_h = decision_interval_h
        self.training_units = training_units
        self.models: dict[str, HealthModel] = {}
        self.thresholds: dict[str, float] = {}
        self._costs: dict[str, MaintenanceCosts] = {}
        self._last: dict[str, Order] | None = None
        self._events: dict[str, int] = {}

    def bind(self, plant: Plant) -> None:
        """Train one model per machine type on its own simulated failure history."""
        self._costs = machine_costs(plant)
        for m in plant.machines():
            b = m.behaviour
            if not isinstance(b.degradation, GammaDegradation) or not b.sensors:
                continue
            self.models[m.id], self.thresholds[m.id] = _train(
                b, self._costs[m.id], self.seed, self.training_units
            )

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        """Plan per machine from its sensors, hour meters and the calendar (vectorised per type).

        Off working time nothing wears, so the last plan stands for machines without a job or
        repair since.
        """
        events = {m.id: m.preventive_jobs + m.failures for m in observation.machines}
        if not observation.windows.in_work and self._last is not None:
            return {k: o for k, o in self._last.items() if events[k] == self._events.get(k)}
        out: dict[str, Order] = {}
        groups: dict[int, list[int]] = {}
        for i, m in enumerate(observation.machines):
            model = self.models.get(m.id)
            if model is not None and m.sensors:
                groups.setdefault(id(model), []).append(i)
        for idx in groups.values():
            out.update(self._decide_group(observation, idx))
        self._last, self._events = out, events
        return out

    def _decide_group(self, observation: Observation, idx: list[int]) -> dict[str, Order]:
        ms = [observation.machines[i] for i in idx]
        model = self.models[ms[0].id]
        c = self._costs[ms[0].id]
        win = observation.windows
        readings = np.array([[m.sensors[s] for s in model.signals] for m in ms])
        hi = model.health(readings)
        rul = model.rul_samples(hi)
        fit = win.first_fitting(c.preventive_h)[:_WINDOWS_CONSIDERED]
        u = np.array([max(m.utilisation, 0.05) for m in ms])
        work = win.work_before_h[fit]
        times = np.concatenate([np.zeros((len(ms), 1)), u[:, None] * work[None, :]], axis=1)
        now_cost = c.preventive_total(c.preventive_h if win.in_work else 0.0)
        cp = np.broadcast_to(
            np.concatenate([[now_cost], np.full(work.size, c.preventive_total())]), times.shape
        )
        rates, _, rtf = cost_rates(
            rul,
            times,
            np.ascontiguousarray(cp),
            np.full(len(ms), c.failure_total()),
            np.array([m.since_maintenance_h for m in ms]),
        )
        best = np.argmin(rates, axis=1)
        best = np.where(rates[np.arange(len(ms)), best] < rtf, best, -1)  # -1: run to failure
        w1 = float(work[0]) if work.size else math.inf
        w2 = float(work[1]) if work.size > 1 else math.inf
        out: dict[str, Order] = {}
        for k, m in enumerate(ms):
            if best[k] == 0:
                out[m.id] = Order(due_h=0.0)
            elif best[k] == 1 or closest_window(
                float(hi[k]), self.thresholds[m.id], u[k] / model.mean_life_h, w1, w2
            ):
                out[m.id] = Order(next_window=True)
        return out
