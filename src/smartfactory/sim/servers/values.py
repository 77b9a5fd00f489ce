"""What the virtual factory's servers expose: each machine's values at one instant.

:class:`PlantReader` turns the running simulation into :class:`MachineValues`: state, stop
reason, order and product from the live snapshot; good and scrap counters as committed units
plus the running segment's units finished by now (read under the simulation's lock, where a
segment's units are either still in the segment or already in the totals, never both); and a
reading of every sensor signal from its model in the plant file at the machine's current
state and wear::

    value = (producing level if PRODUCING else idle level) + wear_gain * D ** wear_power
            + Normal(0, noise_sd)

Counters never go down (a reading below the last one repeats the last one). Noise comes from
the injected generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from smartfactory.domain.states import MachineState
from smartfactory.sim.engine import FactorySimulation

__all__ = ["MachineValues", "PlantReader"]


@dataclass(frozen=True, slots=True)
class MachineValues:
    """One machine at ``timestamp`` (simulated time, UTC)."""

    machine: str
    timestamp: datetime
    state: MachineState
    reason: str
    order: str
    product: str
    good: int
    scrap: int
    sensors: dict[str, float]  # signal -> value; NaN for a signal without a sensor model

    @property
    def timestamp_ms(self) -> int:
        """The timestamp in epoch milliseconds."""
        return round(self.timestamp.timestamp() * 1000)


class PlantReader:
    """Reads every machine of a running simulation (thread-safe against the simulation)."""

    def __init__(self, sim: FactorySimulation, rng: np.random.Generator) -> None:
        self.sim = sim
        self.rng = rng
        self._counters: dict[str, tuple[int, int]] = {}

    def read(self) -> list[MachineValues]:
        """Every machine now, in plant order."""
        snap = self.sim.snapshot()
        now = (snap.timestamp - self.sim.start).total_seconds()
        out = []
        for m, ms in zip(self.sim.machines, snap.machines, strict=True):
            with m.ctx.lock:
                good, scrap = m.totals.good, m.totals.scrap
                seg = m.segment
                if seg is not None:
                    k = int(np.searchsorted(seg.finish, now, side="right"))
                    bad = int(np.count_nonzero(seg.scrap[:k]))
                    good += k - bad
                    scrap += bad
            last_good, last_scrap = self._counters.get(m.id, (0, 0))
            good, scrap = max(good, last_good), max(scrap, last_scrap)
            self._counters[m.id] = (good, scrap)
            models = {s.signal: s for s in m.machine.behaviour.sensors}
            d = max(0.0, ms.degradation or 0.0)
            producing = ms.state == MachineState.PRODUCING
            sensors: dict[str, float] = {}
            for signal in m.machine.signals:
                model = models.get(signal.name)
                if model is None:
                    sensors[signal.name] = math.nan
                    continue
                value = model.producing if producing else model.idle
                value += model.wear_gain * d**model.wear_power
                if model.noise_sd > 0:
                    value += float(self.rng.normal(0.0, model.noise_sd))
                sensors[signal.name] = float(value)
            out.append(
                MachineValues(
                    m.id,
                    snap.timestamp,
                    ms.state,
                    ms.reason,
                    ms.order,
                    ms.product,
                    good,
                    scrap,
                    sensors,
                )
            )
        return out
