"""Shewhart control charts: I-MR, X-bar-R, X-bar-S for variables; p, np, c, u for attributes.

Each function returns :class:`Chart` objects holding, per point, the plotted statistic, the
centre line, the control limits and the sigma of the statistic (so the zone rules of
:mod:`.rules` work on charts with varying limits too). Limits are estimated from the data given
(phase I); pass the centre and sigma of a baseline to monitor new data (phase II) with
:meth:`Chart.with_points`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from smartfactory.kpi.spc.constants import A2, A3, B3, B4, D3, D4, c4, d2

__all__ = ["Chart", "c_chart", "imr", "np_chart", "p_chart", "u_chart", "xbar_r", "xbar_s"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Chart:
    """One control chart: statistic, centre line, limits and sigma of the statistic per point."""

    kind: str
    values: F64
    center: F64
    lcl: F64
    ucl: F64
    sigma: F64

    def with_points(self, values: F64) -> Chart:
        """The same (constant) limits applied to new points."""
        n = len(values)
        return replace(
            self,
            values=np.asarray(values, dtype=np.float64),
            center=np.full(n, self.center[0]),
            lcl=np.full(n, self.lcl[0]),
            ucl=np.full(n, self.ucl[0]),
            sigma=np.full(n, self.sigma[0]),
        )

    def beyond_limits(self) -> npt.NDArray[np.bool_]:
        """Points outside the control limits."""
        return np.asarray((self.values > self.ucl) | (self.values < self.lcl), dtype=np.bool_)


def _chart(kind: str, values: F64, center: F64 | float, half: F64 | float, lo: float) -> Chart:
    n = len(values)
    c = np.broadcast_to(np.asarray(center, dtype=np.float64), (n,)).copy()
    h = np.broadcast_to(np.asarray(half, dtype=np.float64), (n,)).copy()
    return Chart(kind, np.asarray(values, dtype=np.float64), c, np.maximum(c - h, lo), c + h, h / 3)


def _two_d(subgroups: npt.ArrayLike) -> F64:
    x = np.asarray(subgroups, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        msg = "subgroups must be a 2-D array with at least 2 values per subgroup"
        raise ValueError(msg)
    return x


def imr(x: npt.ArrayLike) -> tuple[Chart, Chart]:
    """Individuals and moving-range charts (moving range of 2)."""
    v = np.asarray(x, dtype=np.float64)
    if v.size < 2:
        msg = "an I-MR chart needs at least 2 values"
        raise ValueError(msg)
    mr = np.abs(np.diff(v))
    mr_bar = float(mr.mean())
    sigma = mr_bar / d2(2)
    individuals = _chart("I", v, float(v.mean()), 3 * sigma, -np.inf)
    moving = Chart(
        "MR", mr, np.full(mr.size, mr_bar), np.full(mr.size, D3(2) * mr_bar),
        np.full(mr.size, D4(2) * mr_bar), np.full(mr.size, (D4(2) - 1) * mr_bar / 3),
    )  # fmt: skip
    return individuals, moving


def xbar_r(subgroups: npt.ArrayLike) -> tuple[Chart, Chart]:
    """X-bar and R charts of equal-size subgroups (rows)."""
    x = _two_d(subgroups)
    n = x.shape[1]
    means, ranges = x.mean(axis=1), np.ptp(x, axis=1)
    r_bar = float(ranges.mean())
    xbar = _chart("Xbar", means, float(means.mean()), A2(n) * r_bar, -np.inf)
    r = Chart(
        "R", ranges, np.full(ranges.size, r_bar), np.full(ranges.size, D3(n) * r_bar),
        np.full(ranges.size, D4(n) * r_bar), np.full(ranges.size, (D4(n) - 1) * r_bar / 3),
    )  # fmt: skip
    return xbar, r


def xbar_s(subgroups: npt.ArrayLike) -> tuple[Chart, Chart]:
    """X-bar and S charts of equal-size subgroups (rows)."""
    x = _two_d(subgroups)
    n = x.shape[1]
    means, sds = x.mean(axis=1), x.std(axis=1, ddof=1)
    s_bar = float(sds.mean())
    xbar = _chart("Xbar", means, float(means.mean()), A3(n) * s_bar, -np.inf)
    sigma_s = s_bar * np.sqrt(1 - c4(n) ** 2) / c4(n)
    s = Chart(
        "S", sds, np.full(sds.size, s_bar), np.full(sds.size, B3(n) * s_bar),
        np.full(sds.size, B4(n) * s_bar), np.full(sds.size, sigma_s),
    )  # fmt: skip
    return xbar, s


def p_chart(defectives: npt.ArrayLike, sizes: npt.ArrayLike) -> Chart:
    """Fraction defective per sample; limits vary with the sample size."""
    d = np.asarray(defectives, dtype=np.float64)
    n = np.broadcast_to(np.asarray(sizes, dtype=np.float64), d.shape)
    p_bar = float(d.sum() / n.sum())
    half = 3 * np.sqrt(p_bar * (1 - p_bar) / n)
    chart = _chart("p", d / n, p_bar, half, 0.0)
    return replace(chart, ucl=np.minimum(chart.ucl, 1.0))


def np_chart(defectives: npt.ArrayLike, size: int) -> Chart:
    """Number defective per sample of constant size."""
    d = np.asarray(defectives, dtype=np.float64)
    p_bar = float(d.mean() / size)
    return _chart("np", d, size * p_bar, 3 * np.sqrt(size * p_bar * (1 - p_bar)), 0.0)


def c_chart(defects: npt.ArrayLike) -> Chart:
    """Defects per inspection unit (constant area of opportunity)."""
    c = np.asarray(defects, dtype=np.float64)
    c_bar = float(c.mean())
    return _chart("c", c, c_bar, 3 * np.sqrt(c_bar), 0.0)


def u_chart(defects: npt.ArrayLike, units: npt.ArrayLike) -> Chart:
    """Defects per unit with varying numbers of units per sample."""
    c = np.asarray(defects, dtype=np.float64)
    n = np.broadcast_to(np.asarray(units, dtype=np.float64), c.shape)
    u_bar = float(c.sum() / n.sum())
    return _chart("u", c / n, u_bar, 3 * np.sqrt(u_bar / n), 0.0)
