"""The factory simulator: a plant "runs for a year in seconds" (SimPy, NumPy, Arrow).

Design
------
SimPy's core is an event heap with generator processes; one event costs microseconds, so a
year of an 18-machine plant cannot afford an event per part (tens of millions of parts).
Each machine is one SimPy process (:mod:`.machine`) that works a job in **segments**: the
cycle times of the job's units are drawn at once and cumulated with NumPy; the segment ends at
the first interrupting event - end of the job, shift end or break (:mod:`.timeline`), the next
micro-stop, the wear path crossing 1 (:mod:`.degradation`, :mod:`.cmapss`), preventive
maintenance falling due, or a checkpoint - and every unit finishing before it is completed in
one timeout, its scrap decided by one vectorised draw against base + gain x D^2.

Nothing is written per part or per sample either: machines hand closed state intervals and
arrays of unit finish times to the :mod:`.recorder`, which at each flush rebuilds the sensor
grid from the interval timeline and the wear positions (:mod:`.sensors`), aggregates counts
per minute, and writes Arrow batches to the Store.

Maintenance crews are a ``simpy.PreemptiveResource`` (repairs pre-empt preventive work);
orders from the plant's demand flow as transfer batches through each product's routing
(:mod:`.orders`). The same engine (:mod:`.engine`) runs as fast as possible or in real time
with a speed factor, and serves live snapshots with the current shift's ISO 22400 figures
(:mod:`.live`). :mod:`.results` sums a run up with its costs.

Maintenance policies plug in through ``FactorySimulation(..., policy=...)`` (:mod:`.hook`:
observations without the hidden wear, orders per machine; :mod:`.observe` builds them);
:mod:`.policies` and :mod:`.predictive` hold run-to-failure, preventive, oracle and predictive,
and :mod:`.evaluate` compares them over seeds (``smartfactory simulate --policy``).
"""

from __future__ import annotations

from smartfactory.sim.cmapss import (
    CMAPSS_ENV,
    CmapssData,
    CmapssWear,
    default_cmapss_dir,
    load_cmapss,
)
from smartfactory.sim.degradation import GammaWear, NoWear, Wear, make_wear
from smartfactory.sim.engine import DEFAULT_START, FactorySimulation, Progress, simulate
from smartfactory.sim.results import SimulationResult

__all__ = [
    "CMAPSS_ENV",
    "DEFAULT_START",
    "CmapssData",
    "CmapssWear",
    "FactorySimulation",
    "GammaWear",
    "NoWear",
    "Progress",
    "SimulationResult",
    "Wear",
    "default_cmapss_dir",
    "load_cmapss",
    "make_wear",
    "simulate",
]
