"""Ideal cycle times (ISO 22400 *planned unit process time*) per machine and product.

A count is valued at the ideal cycle time of the product the machine was making when the count
was taken (the product of the state interval that covers it). When the product is unknown or
has no routing step on that machine, the machine's default applies: the value given for the
machine (file interface) or the *shortest* ideal cycle time of the machine's routing steps
(plant file), so an unknown product never inflates performance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from smartfactory.domain.assets import Plant

__all__ = ["IdealCycles"]


@dataclass(frozen=True, slots=True)
class IdealCycles:
    """Ideal seconds per unit: a default per machine and overrides per (machine, product)."""

    by_machine: Mapping[str, float]
    by_product: Mapping[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def from_plant(cls, plant: Plant) -> IdealCycles:
        """The routing steps of every product of ``plant``."""
        by_product: dict[tuple[str, str], float] = {}
        by_machine: dict[str, float] = {}
        for product in plant.products:
            for step in product.routing:
                for machine in step.machines:
                    key = (machine, product.id)
                    by_product[key] = min(
                        by_product.get(key, step.ideal_cycle_s), step.ideal_cycle_s
                    )
                    by_machine[machine] = min(
                        by_machine.get(machine, step.ideal_cycle_s), step.ideal_cycle_s
                    )
        return cls(by_machine=by_machine, by_product=by_product)

    def matrix(self, machines: Sequence[str], products: Sequence[str]) -> npt.NDArray[np.float64]:
        """Ideal seconds indexed [machine, product]; NaN where neither is known."""
        default = np.array([self.by_machine.get(m, np.nan) for m in machines], dtype=np.float64)
        out = np.repeat(default[:, None], max(len(products), 1), axis=1)
        m_index = {m: i for i, m in enumerate(machines)}
        p_index = {p: j for j, p in enumerate(products)}
        for (machine, product), value in self.by_product.items():
            i, j = m_index.get(machine), p_index.get(product)
            if i is not None and j is not None:
                out[i, j] = value
        return out
