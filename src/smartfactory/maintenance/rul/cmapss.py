"""Load the NASA C-MAPSS turbofan subsets (train, test and true RUL) from a folder.

The simulator's :func:`smartfactory.sim.cmapss.load_cmapss` replays training units and keeps only
the sensors; prognostics also need the three operational settings, the test series and the true
RUL file, so this module reads the full rows. It shares the folder convention with the
simulator: ``SF_CMAPSS_DIR`` overrides the shared data set folder
(:func:`smartfactory.sim.cmapss.default_cmapss_dir`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from smartfactory.errors import DatasetError
from smartfactory.sim.cmapss import CMAPSS_ENV, default_cmapss_dir

__all__ = ["SUBSETS", "CmapssRuns", "CmapssSubset", "default_cmapss_dir", "load_subset"]

SUBSETS = ("FD001", "FD002", "FD003", "FD004")
_COLUMNS = 26

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CmapssRuns:
    """Rows of many engine runs, sorted by unit then cycle.

    ``settings`` has the 3 operational settings, ``sensors`` the 21 sensors s1..s21.
    """

    unit: IntArray
    cycle: IntArray
    settings: FloatArray
    sensors: FloatArray

    @property
    def units(self) -> IntArray:
        """The distinct unit numbers, ascending."""
        return np.unique(self.unit)

    def rul(self, offset: IntArray | None = None) -> FloatArray:
        """Remaining cycles at each row: last cycle of its unit - cycle (+ ``offset[unit]``).

        ``offset`` gives, per distinct unit in :attr:`units` order, the cycles still left after
        the unit's last row (zero for run-to-failure training data).
        """
        _, inverse = np.unique(self.unit, return_inverse=True)
        last = np.zeros(inverse.max() + 1, dtype=np.int64)
        np.maximum.at(last, inverse, self.cycle)
        extra = np.zeros_like(last) if offset is None else np.asarray(offset, dtype=np.int64)
        return (last[inverse] + extra[inverse] - self.cycle).astype(np.float64)

    def last_rows(self) -> IntArray:
        """Index of each unit's last row, in :attr:`units` order."""
        ends = np.flatnonzero(np.diff(self.unit, append=self.unit[-1] + 1) != 0)
        return ends.astype(np.int64)

    def take(self, rows: IntArray) -> CmapssRuns:
        """A subset of rows (keep whole units to stay meaningful)."""
        return CmapssRuns(
            self.unit[rows], self.cycle[rows], self.settings[rows], self.sensors[rows]
        )

    def select_units(self, units: IntArray) -> CmapssRuns:
        """Only the rows of the given units."""
        return self.take(np.flatnonzero(np.isin(self.unit, units)).astype(np.int64))


@dataclass(frozen=True, slots=True)
class CmapssSubset:
    """One subset: training runs to failure, truncated test runs and their true final RUL."""

    name: str
    train: CmapssRuns
    test: CmapssRuns
    test_rul: FloatArray  # true RUL after each test unit's last cycle, in unit order


@functools.lru_cache(maxsize=16)
def _read(path: str) -> CmapssRuns:
    try:
        raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as err:
        raise DatasetError(f"cannot read C-MAPSS file {path}: {err}") from err
    if raw.shape[1] != _COLUMNS or raw.shape[0] == 0:
        raise DatasetError(f"C-MAPSS file {path} has shape {raw.shape}, expected (n, {_COLUMNS})")
    order = np.lexsort((raw[:, 1], raw[:, 0]))
    raw = raw[order]
    return CmapssRuns(
        unit=raw[:, 0].astype(np.int64),
        cycle=raw[:, 1].astype(np.int64),
        settings=np.ascontiguousarray(raw[:, 2:5]),
        sensors=np.ascontiguousarray(raw[:, 5:]),
    )


def _file(folder: Path, name: str) -> str:
    path = folder / name
    if not path.is_file():
        raise DatasetError(
            f"C-MAPSS data set not found: {path} does not exist. Put the NASA C-MAPSS files "
            f"(train_FD001.txt, test_FD001.txt, RUL_FD001.txt ...) in a folder and pass it, "
            f"or point {CMAPSS_ENV} at it."
        )
    return str(path.resolve())


def load_subset(subset: str, folder: Path | str | None = None) -> CmapssSubset:
    """Load ``subset`` (FD001..FD004) from ``folder`` (default: :func:`default_cmapss_dir`).

    Raises DatasetError when a file is missing or malformed, or when the RUL file does not
    have one value per test unit.
    """
    if subset not in SUBSETS:
        raise DatasetError(f"unknown C-MAPSS subset {subset!r}; use one of {', '.join(SUBSETS)}")
    base = Path(folder) if folder is not None else default_cmapss_dir()
    train = _read(_file(base, f"train_{subset}.txt"))
    test = _read(_file(base, f"test_{subset}.txt"))
    rul_path = _file(base, f"RUL_{subset}.txt")
    try:
        rul = np.loadtxt(rul_path, dtype=np.float64, ndmin=1).reshape(-1)
    except (OSError, ValueError) as err:
        raise DatasetError(f"cannot read C-MAPSS file {rul_path}: {err}") from err
    if rul.shape[0] != test.units.shape[0]:
        raise DatasetError(
            f"{rul_path} has {rul.shape[0]} values for {test.units.shape[0]} test units"
        )
    return CmapssSubset(subset, train, test, rul)
