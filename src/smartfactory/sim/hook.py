"""The maintenance-policy hook of the simulator: what a policy sees and what it may order.

A policy is asked at *decision points* (every ``decision_interval_h`` simulated hours) for a
plan per machine and the engine executes it with the crews (:mod:`.machine`). Information is
split structurally:

* :class:`Observation` - what a real plant would see: the calendar ahead, each machine's state,
  hour meter (producing hours), hours since its last repair / maintenance, counts of past
  failures and jobs, and its recent sensor readings (the mean of the last hour's one-minute
  samples). It has **no** field for the hidden degradation state.
* :class:`Truth` - the hidden degradation D and the producing hours until failure. Only a
  policy that declares ``uses_hidden_state = True`` (the oracle) is handed it, through
  :meth:`MaintenancePolicy.decide`'s second argument; every other policy gets ``None``.

An :class:`Order` per machine says: maintain in the next off-production window long enough
for the job, and/or at the latest after ``due_h`` more producing hours (0: now, stopping
production). Machines missing from the returned mapping have no job planned; each decision
replaces the previous plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState

__all__ = [
    "MachineObservation",
    "MaintenancePolicy",
    "Observation",
    "Order",
    "Truth",
    "WindowsAhead",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Order:
    """A preventive job to run: in the next window and/or when ``due_h`` producing hours pass."""

    next_window: bool = False
    due_h: float = math.inf


@dataclass(frozen=True, slots=True)
class WindowsAhead:
    """Off-production calendar slots ahead (breaks and no-shift), in hours from now.

    ``work_before_h[k]`` is the working time (calendar) between now and ``start_h[k]``: an
    upper bound on a machine's producing hours before the window.
    """

    start_h: FloatArray
    end_h: FloatArray
    work_before_h: FloatArray
    in_work: bool  # whether now is working time

    def first_fitting(self, duration_h: float) -> npt.NDArray[np.intp]:
        """Indices of windows at least ``duration_h`` long, in time order."""
        return np.flatnonzero(self.end_h - self.start_h >= duration_h - 1e-9)


@dataclass(frozen=True, slots=True)
class MachineObservation:
    """What the plant can see of one machine."""

    id: str
    line: str
    state: MachineState
    producing_h: float  # hour meter
    since_repair_h: float  # producing hours since the last breakdown repair (or start)
    since_maintenance_h: float  # producing hours since the last repair or preventive job
    failures: int
    preventive_jobs: int
    utilisation: float  # producing share of working time so far (0.8 before any)
    maintenance_planned: bool
    sensors: Mapping[str, float]  # mean of the last hour's samples, per signal


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything a policy may use at one decision point."""

    now_h: float  # simulated hours since the start
    machines: tuple[MachineObservation, ...]
    windows: WindowsAhead


@dataclass(frozen=True, slots=True)
class Truth:
    """Hidden state, only for policies with ``uses_hidden_state`` (the oracle)."""

    degradation: FloatArray
    hours_to_failure: FloatArray  # producing hours until the wear path reaches 1


class MaintenancePolicy(Protocol):
    """What :class:`~smartfactory.sim.FactorySimulation` asks at each decision point."""

    name: str
    decision_interval_h: float
    uses_hidden_state: bool

    def bind(self, plant: Plant) -> None:
        """Called once by the simulation before the first decision."""
        ...

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        """The plan per machine id (``truth`` is None unless ``uses_hidden_state``)."""
        ...
