"""Run rules on a control chart, vectorised: Western Electric (4) and Nelson (8).

Each rule is evaluated on z = (value - centre) / sigma of the chart and flags the point at
which its pattern completes::

    WE1 / N1  one point beyond 3 sigma            WE2 / N5  2 of 3 beyond 2 sigma, same side
    WE3 / N6  4 of 5 beyond 1 sigma, same side    WE4       8 in a row on one side
    N2        9 in a row on one side              N3        6 in a row steadily rising/falling
    N4        14 in a row alternating up/down     N7        15 in a row within 1 sigma
    N8        8 in a row beyond 1 sigma, both sides present
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from smartfactory.kpi.spc.charts import Chart

__all__ = ["NELSON", "WESTERN_ELECTRIC", "evaluate"]

B = npt.NDArray[np.bool_]
F64 = npt.NDArray[np.float64]


def _count(mask: B, k: int) -> npt.NDArray[np.int64]:
    """Number of True in the window of k points ending at each point (0 before k points)."""
    out = np.zeros(mask.size, dtype=np.int64)
    if mask.size >= k:
        out[k - 1 :] = sliding_window_view(mask.astype(np.int64), k).sum(axis=1)
    return out


def _all(mask: B, k: int) -> B:
    return np.asarray(_count(mask, k) == k, dtype=np.bool_)


def _some(z: F64, level: float, k: int, m: int) -> B:
    return np.asarray((_count(z > level, k) >= m) | (_count(z < -level, k) >= m), dtype=np.bool_)


def _side(z: F64, k: int) -> B:
    return np.asarray(_all(z > 0, k) | _all(z < 0, k), dtype=np.bool_)


def _trend(z: F64, k: int = 6) -> B:
    d = np.diff(z)
    out = np.zeros(z.size, dtype=bool)
    out[1:] = _all(d > 0, k - 1) | _all(d < 0, k - 1)
    return out


def _alternating(z: F64, k: int = 14) -> B:
    d = np.sign(np.diff(z))
    flips = (d[1:] * d[:-1]) < 0
    out = np.zeros(z.size, dtype=bool)
    out[2:] = _all(flips, k - 2)
    return out


def _mixed(z: F64, k: int = 8) -> B:
    outside = _all(np.abs(z) > 1, k)
    return np.asarray(outside & (_count(z > 1, k) > 0) & (_count(z < -1, k) > 0), dtype=np.bool_)


Rule = Callable[[F64], B]

WESTERN_ELECTRIC: dict[str, Rule] = {
    "WE1": lambda z: np.abs(z) > 3,
    "WE2": lambda z: _some(z, 2, 3, 2),
    "WE3": lambda z: _some(z, 1, 5, 4),
    "WE4": lambda z: _side(z, 8),
}
"""The Western Electric rules by name."""

NELSON: dict[str, Rule] = {
    "N1": lambda z: np.abs(z) > 3,
    "N2": lambda z: _side(z, 9),
    "N3": _trend,
    "N4": _alternating,
    "N5": lambda z: _some(z, 2, 3, 2),
    "N6": lambda z: _some(z, 1, 5, 4),
    "N7": lambda z: _all(np.abs(z) < 1, 15),
    "N8": _mixed,
}
"""The Nelson rules by name."""


def evaluate(chart: Chart, rules: dict[str, Rule] = NELSON) -> dict[str, npt.NDArray[np.intp]]:
    """Indices of the points where each rule fires (only rules that fire)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(chart.sigma > 0, (chart.values - chart.center) / chart.sigma, 0.0)
    out: dict[str, npt.NDArray[np.intp]] = {}
    for name, rule in rules.items():
        hits = np.flatnonzero(rule(np.asarray(z, dtype=np.float64)))
        if hits.size:
            out[name] = hits
    return out
