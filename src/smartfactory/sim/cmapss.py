"""Replay NASA C-MAPSS run-to-failure engines as a machine's wear and sensors.

The data set folder holds ``train_FD00x.txt`` files: space-separated rows of unit, cycle,
three operational settings and 21 sensors ``s1..s21`` (see the README shipped with it). Each
unit runs until failure, so its last row is the failure cycle.

A machine replays one unit after another (the configured ``units`` in order, else every unit
in file order, wrapping around). Producing hours map onto cycles by ``hours_per_cycle``;
D = cycle / last cycle of the unit; the machine fails at the end of the trajectory and after
repair continues with the next unit. Preventive maintenance that restores a fraction f of the
wear moves the replay back to (1 - f) of the current cycle. The chosen sensor columns are
emitted as signals ``cmapss_<col>``.

The position recorded for the sensor grid is ``unit_slot * 1e6 + cycles_done`` (cycles as a
float); it is linear in producing time inside a state interval and decodes unambiguously.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from smartfactory.domain.behaviour import CmapssDegradation
from smartfactory.errors import DatasetError

__all__ = ["CMAPSS_ENV", "CmapssData", "CmapssWear", "default_cmapss_dir", "load_cmapss"]

CMAPSS_ENV = "SF_CMAPSS_DIR"
DEFAULT_DIR = Path("/work/shared/datasets/cmapss")
_SLOT = 1e6
_COLUMNS = 26

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def default_cmapss_dir() -> Path:
    """The folder named by ``SF_CMAPSS_DIR``, else the shared data set folder."""
    env = os.environ.get(CMAPSS_ENV)
    return Path(env) if env else DEFAULT_DIR


@dataclass(frozen=True, slots=True)
class CmapssData:
    """One training subset: per-row unit and cycle, and the 21 sensor columns."""

    subset: str
    unit: IntArray
    cycle: IntArray
    sensors: FloatArray  # shape (rows, 21): s1..s21

    def unit_rows(self, unit: int) -> tuple[int, int]:
        """Row range [first, last + 1) of a unit; DatasetError if absent."""
        rows = np.flatnonzero(self.unit == unit)
        if rows.size == 0:
            raise DatasetError(f"C-MAPSS {self.subset} has no unit {unit}")
        return int(rows[0]), int(rows[-1]) + 1


@functools.lru_cache(maxsize=8)
def _load(path: str) -> tuple[IntArray, IntArray, FloatArray]:
    try:
        raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as err:
        raise DatasetError(f"cannot read C-MAPSS file {path}: {err}") from err
    if raw.shape[1] != _COLUMNS or raw.shape[0] == 0:
        raise DatasetError(f"C-MAPSS file {path} has shape {raw.shape}, expected (n, {_COLUMNS})")
    unit = raw[:, 0].astype(np.int64)
    cycle = raw[:, 1].astype(np.int64)
    sensors = np.ascontiguousarray(raw[:, 5:])
    return unit, cycle, sensors


def load_cmapss(folder: Path | str, subset: str = "FD001") -> CmapssData:
    """Load ``train_<subset>.txt`` from ``folder`` (cached); DatasetError if missing."""
    path = Path(folder) / f"train_{subset}.txt"
    if not path.is_file():
        raise DatasetError(
            f"C-MAPSS data set not found: {path} does not exist. Put the NASA C-MAPSS files "
            f"(train_FD001.txt ...) in a folder and point {CMAPSS_ENV} at it."
        )
    unit, cycle, sensors = _load(str(path.resolve()))
    return CmapssData(subset, unit, cycle, sensors)


def _column(name: str) -> int:
    if not (name.startswith("s") and name[1:].isdigit() and 1 <= int(name[1:]) <= 21):
        raise DatasetError(f"unknown C-MAPSS sensor column {name!r}; use s1..s21")
    return int(name[1:]) - 1


class CmapssWear:
    """Wear and sensors replayed from C-MAPSS units (see the module docstring)."""

    def __init__(self, config: CmapssDegradation, data: CmapssData) -> None:
        self.config = config
        self.data = data
        units = config.units or tuple(int(u) for u in np.unique(data.unit))
        ranges = [data.unit_rows(u) for u in units]
        self._first = np.array([r[0] for r in ranges], dtype=np.int64)
        self._length = np.array([r[1] - r[0] for r in ranges], dtype=np.int64)
        self._cols = np.array([_column(c) for c in config.sensors], dtype=np.int64)
        self.signal_names = tuple(f"cmapss_{c}" for c in config.sensors)
        self._slot = 0
        self._cycles = 0.0  # cycles done in the current unit (float)

    @property
    def unit(self) -> int:
        """The C-MAPSS unit being replayed now."""
        return int(self.data.unit[self._first[self._slot]])

    def _last(self) -> float:
        return float(self._length[self._slot])

    def _d(self, cycles: FloatArray, length: FloatArray) -> FloatArray:
        done = np.clip(np.floor(cycles), 0, length - 1)
        return np.asarray((done + 1.0) / length, dtype=np.float64)

    def level(self) -> float:
        """D = current cycle / last cycle of the unit."""
        last = self._last()
        return float(min(np.floor(self._cycles), last - 1) + 1.0) / last

    def ahead(self, hours: FloatArray) -> FloatArray:
        """D after ``hours`` more producing hours within the current unit."""
        cycles = self._cycles + hours / self.config.hours_per_cycle
        return self._d(cycles, np.full_like(cycles, self._last()))

    def hours_to_failure(self) -> float:
        """Producing hours to the end of the unit's trajectory."""
        return max(0.0, (self._last() - self._cycles) * self.config.hours_per_cycle)

    def advance(self, hours: float) -> None:
        """Replay ``hours`` more producing hours."""
        self._cycles = min(self._last(), self._cycles + hours / self.config.hours_per_cycle)

    def restore(self, fraction: float) -> None:
        """Go back to (1 - fraction) of the cycles done."""
        self._cycles *= 1.0 - fraction

    def renew(self) -> None:
        """Continue with the next unit from its first cycle."""
        self._slot = (self._slot + 1) % len(self._first)
        self._cycles = 0.0

    def position(self) -> float:
        """``slot * 1e6 + cycles``."""
        return self._slot * _SLOT + self._cycles

    def _rows(self, positions: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
        slot = np.floor(positions / _SLOT).astype(np.int64)
        cycles = positions - slot * _SLOT
        length = self._length[slot].astype(np.float64)
        done = np.clip(np.floor(cycles), 0, length - 1).astype(np.int64)
        return self._first[slot] + done, cycles, length

    def levels(self, positions: FloatArray) -> FloatArray:
        """D at recorded positions."""
        _, cycles, length = self._rows(positions)
        return self._d(cycles, length)

    def signals(self, positions: FloatArray) -> dict[str, FloatArray]:
        """The replayed sensor columns at recorded positions."""
        rows, _, _ = self._rows(positions)
        block = self.data.sensors[rows][:, self._cols]
        return {name: block[:, k] for k, name in enumerate(self.signal_names)}
