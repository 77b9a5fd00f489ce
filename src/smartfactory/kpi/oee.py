"""The ISO 22400-2 time model and KPIs, summed per group over whole arrays.

:func:`prepare` turns clipped, gap-filled intervals and counts into a :class:`Frame` (each
count valued at its ideal cycle time and tied to the interval that produced it; each failure's
first interval marked). :func:`totals` sums time elements and quantities for any grouping of
the frame's rows with ``numpy.bincount``; :func:`kpis` derives the ratios. Definitions (all
times in seconds; see ``docs/kpi.md``)::

    PBT  = window - planned_stop - no_shift        APT = producing
    A    = APT / PBT          E = sum(ideal x PQ) / APT          Q = GQ / PQ
    OEE  = A x E x Q          failures = maximal runs of contiguous unplanned_stop
    MTBF = APT / failures     MTTR = ADET / failures    MTTF = (PBT - ADET) / failures
    setup ratio = ASUT / (APT + ASUT)     scrap ratio = scrap / PQ     FPY = GQ / PQ
    throughput  = GQ per PBT hour         CM ratio = ADET / (ADET + preventive maintenance)

A ratio whose denominator is zero is NaN (``null`` at the boundary), and so is OEE then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.domain.states import MachineState as S
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import Counts, Intervals, covering

__all__ = [
    "KPI_NAMES",
    "PM_REASONS",
    "Frame",
    "Totals",
    "failure_starts",
    "kpis",
    "prepare",
    "totals",
]

F64 = npt.NDArray[np.float64]
N_STATES = len(S)

PM_REASONS: frozenset[str] = frozenset(
    {"preventive_maintenance", "planned_maintenance", "maintenance", "inspection_maintenance"}
)
"""Planned-stop reasons that count as preventive maintenance time (corrective-maintenance ratio)."""

KPI_NAMES = (
    "availability",
    "performance",
    "quality",
    "oee",
    "mtbf_s",
    "mttr_s",
    "mttf_s",
    "setup_ratio",
    "scrap_ratio",
    "first_pass_yield",
    "throughput_per_h",
    "corrective_maintenance_ratio",
)


@dataclass(frozen=True, slots=True)
class Frame:
    """Intervals and counts of one window, ready to be summed by any grouping."""

    intervals: Intervals
    counts: Counts
    ideal_s: F64
    count_row: npt.NDArray[np.intp]
    failure_start: npt.NDArray[np.bool_]
    preventive: npt.NDArray[np.bool_]

    def machines(self, keep: Sequence[str]) -> Frame:
        """The part of the frame that belongs to the machines ``keep``."""
        wanted = np.isin(np.array(self.intervals.machines, dtype=object), list(keep))
        iv_keep = wanted[self.intervals.machine]
        ct_keep = wanted[self.counts.machine]
        new_row = np.cumsum(iv_keep) - 1
        row = self.count_row[ct_keep]
        return Frame(
            self.intervals.take(iv_keep),
            self.counts.take(ct_keep),
            self.ideal_s[ct_keep],
            np.where(row >= 0, new_row[np.maximum(row, 0)], -1).astype(np.intp),
            self.failure_start[iv_keep],
            self.preventive[iv_keep],
        )


def failure_starts(iv: Intervals) -> npt.NDArray[np.bool_]:
    """True on the first interval of each maximal run of contiguous ``unplanned_stop``."""
    down = iv.state == S.UNPLANNED_STOP
    cont = np.zeros(len(iv), dtype=bool)
    if len(iv) > 1:
        cont[1:] = (iv.machine[1:] == iv.machine[:-1]) & (iv.start[1:] == iv.end[:-1]) & down[:-1]
    return np.asarray(down & ~cont, dtype=np.bool_)


def prepare(
    iv: Intervals,
    counts: Counts,
    ideal: IdealCycles,
    pm_reasons: frozenset[str] = PM_REASONS,
) -> Frame:
    """A frame of intervals (already clipped and gap-filled) and the window's counts."""
    row = covering(iv, counts)
    product = np.where(row >= 0, iv.product[np.maximum(row, 0)], 0) if len(iv) else row * 0
    table = ideal.matrix(iv.machines, iv.products)
    ideal_s = table[counts.machine, product] if len(counts) else np.zeros(0)
    pm_codes = np.array([r in pm_reasons for r in iv.reasons], dtype=bool)
    preventive = (iv.state == S.PLANNED_STOP) & pm_codes[iv.reason]
    return Frame(iv, counts, ideal_s.astype(np.float64), row, failure_starts(iv), preventive)


@dataclass(frozen=True, slots=True)
class Totals:
    """Time elements (seconds) and quantities summed per group; arrays of one length."""

    state_s: F64  # [group, MachineState code]
    pq: F64
    gq: F64
    ideal_s: F64  # sum of ideal cycle x PQ
    unvalued: F64  # counts without a known ideal cycle time
    failures: F64
    preventive_s: F64

    def __len__(self) -> int:
        return int(self.pq.shape[0])

    def _s(self, *states: S) -> F64:
        return np.asarray(self.state_s[:, list(states)].sum(axis=1), dtype=np.float64)

    @property
    def window_s(self) -> F64:
        """All time of the group."""
        return np.asarray(self.state_s.sum(axis=1), dtype=np.float64)

    @property
    def pbt_s(self) -> F64:
        """Planned busy time: everything but planned stops and time outside shifts."""
        return self.window_s - self._s(S.PLANNED_STOP, S.NO_SHIFT)

    @property
    def apt_s(self) -> F64:
        """Actual production time (producing)."""
        return self._s(S.PRODUCING)

    @property
    def setup_s(self) -> F64:
        """Actual unit setup time."""
        return self._s(S.SETUP)

    @property
    def delay_s(self) -> F64:
        """Actual unit delay time: idle, starved and blocked."""
        return self._s(S.IDLE, S.STARVED, S.BLOCKED)

    @property
    def down_s(self) -> F64:
        """Actual unit down time (unplanned stops)."""
        return self._s(S.UNPLANNED_STOP)

    @property
    def unknown_s(self) -> F64:
        """Time without a known state, gaps included (a loss inside PBT)."""
        return self._s(S.UNKNOWN)

    @property
    def planned_stop_s(self) -> F64:
        """Planned down time (breaks, preventive maintenance)."""
        return self._s(S.PLANNED_STOP)

    @property
    def no_shift_s(self) -> F64:
        """Time outside the planned operating time."""
        return self._s(S.NO_SHIFT)

    @property
    def scrap(self) -> F64:
        """Scrap quantity."""
        return self.pq - self.gq

    def combine(self, group: npt.NDArray[np.intp], n: int) -> Totals:
        """Totals of groups of these groups (``group[i]`` is the new group of row ``i``)."""
        # one bincount over every column: each (group, column) bin still adds its rows in
        # row order, so the sums equal per-column bincounts exactly
        columns = np.column_stack([self.state_s, *(getattr(self, f) for f in _SUMMED)])
        width = columns.shape[1]
        flat = (group.astype(np.intp)[:, None] * width + np.arange(width)).ravel()
        sums = np.bincount(flat, weights=columns.ravel(), minlength=n * width)
        table = np.asarray(sums, dtype=np.float64).reshape(n, width)
        return Totals(
            table[:, :N_STATES].copy(),
            *(table[:, N_STATES + i].copy() for i in range(len(_SUMMED))),
        )


_SUMMED = ("pq", "gq", "ideal_s", "unvalued", "failures", "preventive_s")


def totals(
    frame: Frame,
    iv_group: npt.NDArray[np.intp],
    count_group: npt.NDArray[np.intp],
    n: int,
) -> Totals:
    """Sums per group; ``iv_group`` / ``count_group`` give each interval's / count's group."""
    iv, ct = frame.intervals, frame.counts
    secs = iv.seconds
    flat = iv_group.astype(np.int64) * N_STATES + iv.state.astype(np.int64)
    state_s = np.bincount(flat, weights=secs, minlength=n * N_STATES).reshape(n, N_STATES)
    good = ct.good.astype(np.float64)
    pq = good + ct.scrap
    valued = ~np.isnan(frame.ideal_s)

    def add(w: F64, g: npt.NDArray[np.intp]) -> F64:
        return np.bincount(g, weights=w, minlength=n).astype(np.float64)

    return Totals(
        state_s=state_s.astype(np.float64),
        pq=add(pq, count_group),
        gq=add(good, count_group),
        ideal_s=add(np.where(valued, frame.ideal_s, 0.0) * pq, count_group),
        unvalued=add((~valued & (pq > 0)).astype(np.float64), count_group),
        failures=add(frame.failure_start.astype(np.float64), iv_group),
        preventive_s=add(np.where(frame.preventive, secs, 0.0), iv_group),
    )


def _div(a: F64, b: F64) -> F64:
    out = np.full(a.shape, np.nan)
    np.divide(a, b, out=out, where=b > 0)
    return out


def kpis(t: Totals) -> dict[str, F64]:
    """The KPIs of every group, by name (``KPI_NAMES``); NaN where undefined."""
    availability = _div(t.apt_s, t.pbt_s)
    performance = _div(t.ideal_s, t.apt_s)
    performance[t.unvalued > 0] = np.nan
    quality = _div(t.gq, t.pq)
    return {
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": availability * performance * quality,
        "mtbf_s": _div(t.apt_s, t.failures),
        "mttr_s": _div(t.down_s, t.failures),
        "mttf_s": _div(t.pbt_s - t.down_s, t.failures),
        "setup_ratio": _div(t.setup_s, t.apt_s + t.setup_s),
        "scrap_ratio": _div(t.scrap, t.pq),
        "first_pass_yield": quality.copy(),
        "throughput_per_h": _div(t.gq * 3600.0, t.pbt_s),
        "corrective_maintenance_ratio": _div(t.down_s, t.down_s + t.preventive_s),
    }


def over_performing(values: F64, labels: Sequence[str]) -> list[str]:
    """Warnings for groups whose performance is above 1 (ideal cycle time looks wrong)."""
    high = np.flatnonzero(np.nan_to_num(values, nan=0.0) > 1.0 + 1e-9)
    return [
        f"performance {values[i]:.3f} > 1 for {labels[int(i)]}: its ideal cycle time looks too long"
        for i in high
    ]
