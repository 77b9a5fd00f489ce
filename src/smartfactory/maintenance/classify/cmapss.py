"""C-MAPSS FD003 / FD004 as labelled failure-mode data (HPC versus fan degradation).

NASA ships no per-engine fault-mode labels: the readme only says FD003 and FD004 contain two
fault modes, HPC degradation and fan degradation. The label is derived from the physics the
readme names and the subsets' own evidence:

* FD001 and FD002 have **HPC degradation only**. In every FD001 engine the bypass ratio
  (s15, BPR) rises towards failure and the HPT/LPT coolant bleeds (s20 W31, s21 W32) fall.
* In FD003 / FD004 the end-of-life change of s15 is bimodal: some engines follow that HPC
  signature (s15 up), the others move the opposite way (s15 down, s20 / s21 up, with the fan
  speeds s8 / s13 rising more): those are labelled fan degradation.

So an engine's label is ``hpc`` if its condition-normalised s15 over its last ``tail`` (10)
cycles is above its mean over its first ``head`` (30) cycles, else ``fan``.
:func:`derive_fault_modes` also reports how often the s20 direction agrees.

The classifier never sees those last cycles: windows end ``min_lead`` (20) or more cycles before
failure (see :mod:`.windows`), and it must tell the coming mode, or ``none`` for windows at
least 125 cycles from failure, from the trend so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smartfactory.errors import DataError
from smartfactory.maintenance.classify.windows import FailureLabels, Series
from smartfactory.maintenance.rul.cmapss import CmapssRuns, load_subset
from smartfactory.maintenance.rul.conditions import ConditionNormalizer

__all__ = ["FaultModeData", "derive_fault_modes", "fault_mode_data"]

_CONDITIONS = {"FD001": 1, "FD002": 6, "FD003": 1, "FD004": 6}


@dataclass(frozen=True, slots=True)
class FaultModeData:
    """Series per engine, the derived label table, signal names and the label check."""

    series: list[Series]
    labels: FailureLabels
    signals: tuple[str, ...]
    s20_agreement: float


def derive_fault_modes(
    runs: CmapssRuns, z: np.ndarray, signals: tuple[str, ...], head: int = 30, tail: int = 10
) -> tuple[dict[int, str], float]:
    """Per unit ``hpc`` or ``fan`` from the s15 end-of-life direction; s20 agreement share."""
    if "s15" not in signals or "s20" not in signals:
        raise DataError("deriving fault modes needs sensors s15 and s20")
    j15, j20 = signals.index("s15"), signals.index("s20")
    modes: dict[int, str] = {}
    agree = 0
    for unit in np.unique(runs.unit):
        rows = z[runs.unit == unit]
        change = rows[-tail:].mean(axis=0) - rows[:head].mean(axis=0)
        modes[int(unit)] = "hpc" if change[j15] > 0 else "fan"
        agree += int((change[j20] < 0) == (change[j15] > 0))
    return modes, agree / max(len(modes), 1)


def fault_mode_data(folder: Path | str, subset: str = "FD003") -> FaultModeData:
    """Training engines of ``subset`` as series with derived fault-mode labels."""
    runs = load_subset(subset, folder).train
    norm = ConditionNormalizer(_CONDITIONS[subset]).fit(runs.settings, runs.sensors)
    z = norm.transform(runs.settings, runs.sensors)
    signals = tuple(f"s{j + 1}" for j in np.flatnonzero(norm.keep_))
    modes, agreement = derive_fault_modes(runs, z, signals)
    series, machines, times, labels = [], [], [], []
    for unit, mode in modes.items():
        rows = runs.unit == unit
        cycles = runs.cycle[rows].astype(np.float64)
        series.append(Series(f"u{unit}", cycles, z[rows]))
        machines.append(f"u{unit}")
        times.append(float(cycles[-1]))
        labels.append(mode)
    table = FailureLabels(tuple(machines), np.asarray(times), tuple(labels))
    return FaultModeData(series, table, signals, agreement)
