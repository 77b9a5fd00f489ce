"""Builds what a maintenance policy sees (:class:`~.hook.Observation`) from the running plant.

Sensor readings are the mean of the last hour's one-minute samples: the sensor model of
:mod:`.sensors` at the machine's current wear with the noise of 60 averaged samples
(``noise_sd / sqrt(60)``), drawn from the observer's own random stream so that the plant's
other randomness is unchanged. Only this module and :meth:`Observer.truth` touch the hidden
wear; the oracle alone is given the latter.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import simpy

from smartfactory.domain.states import MachineState
from smartfactory.sim.hook import MachineObservation, Observation, Truth, WindowsAhead
from smartfactory.sim.machine import MachineSim
from smartfactory.sim.timeline import Slot, Timeline

__all__ = ["HORIZON_H", "Observer"]

FloatArray = npt.NDArray[np.float64]
HORIZON_H = 14 * 24.0
_SAMPLES_PER_READING = 60


class Observer:
    """Observations and (for the oracle) the truth, at the simulation's current instant."""

    def __init__(
        self,
        env: simpy.Environment,
        timeline: Timeline,
        machines: list[MachineSim],
        rng: np.random.Generator,
    ) -> None:
        self.env = env
        self.timeline = timeline
        self.machines = machines
        self.rng = rng
        self._work_s = 0.0
        self._work_until = 0.0
        self._sensor_models = [
            (
                tuple(s.signal for s in m.b.sensors),
                np.array([s.producing for s in m.b.sensors], dtype=np.float64),
                np.array([s.wear_gain for s in m.b.sensors], dtype=np.float64),
                np.array([s.wear_power for s in m.b.sensors], dtype=np.float64),
                np.array([s.noise_sd for s in m.b.sensors], dtype=np.float64)
                / math.sqrt(_SAMPLES_PER_READING),
            )
            for m in machines
        ]

    def windows(self) -> WindowsAhead:
        """Non-working calendar spans in the next :data:`HORIZON_H` hours (merged)."""
        now = self.env.now
        s, e, slot = self.timeline.slots_between(now, now + HORIZON_H * 3600.0)
        work = slot == Slot.WORK
        dur = np.where(work, e - s, 0.0)
        work_before = np.concatenate([[0.0], np.cumsum(dur)[:-1]])
        off = ~work
        # merge runs of adjacent non-working slots into one window
        first = off & np.concatenate([[True], ~off[:-1]])
        run_id = np.cumsum(first) - 1
        starts = s[first]
        ends = np.zeros(starts.size)
        np.maximum.at(ends, run_id[off], e[off])
        in_work = bool(work[0]) if work.size else False
        return WindowsAhead(
            (starts - now) / 3600.0,
            (ends - now) / 3600.0,
            work_before[first] / 3600.0,
            in_work,
        )

    def _utilisation(self, m: MachineSim) -> float:
        producing = m.totals.state_s[MachineState.PRODUCING]
        if m.state == MachineState.PRODUCING:
            producing += self.env.now - m.since
        return min(1.0, producing / self._work_s) if self._work_s > 3600.0 else 0.8

    def observe(self) -> Observation:
        """What the plant sees now."""
        now = self.env.now
        if now > self._work_until:
            s, e, slot = self.timeline.slots_between(self._work_until, now)
            self._work_s += float(np.sum(np.where(slot == Slot.WORK, e - s, 0.0)))
            self._work_until = now
        out = []
        for m, (names, base, gain, power, sd) in zip(
            self.machines, self._sensor_models, strict=True
        ):
            d = max(m.wear.level(), 0.0)
            values = base + gain * d**power + sd * self.rng.standard_normal(len(names))
            out.append(
                MachineObservation(
                    id=m.id,
                    line=m.line,
                    state=m.state,
                    producing_h=m.ph,
                    since_repair_h=m.ph - m.ph_repair,
                    since_maintenance_h=m.ph - m.ph_maintenance,
                    failures=m.totals.failures,
                    preventive_jobs=m.totals.preventive,
                    utilisation=self._utilisation(m),
                    maintenance_planned=m.pm_window or math.isfinite(m.pm_due_ph),
                    sensors=dict(zip(names, values.tolist(), strict=True)),
                )
            )
        return Observation(now / 3600.0, tuple(out), self.windows())

    def truth(self) -> Truth:
        """The hidden wear and producing hours to failure (for the oracle only)."""
        return Truth(
            np.array([m.wear.level() for m in self.machines], dtype=np.float64),
            np.array(
                [0.0 if m.failed else m.wear.hours_to_failure() for m in self.machines],
                dtype=np.float64,
            ),
        )
