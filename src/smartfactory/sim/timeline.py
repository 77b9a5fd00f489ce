"""The site calendar as simulation time: labelled intervals of work, break and no shift.

Simulation time is float seconds since the run's start instant. The calendar's shift windows
(``ShiftCalendar.windows``) are turned into contiguous labelled intervals covering time from 0:
``WORK`` (inside a shift, outside its breaks), ``BREAK`` (a planned pause inside a shift) and
``OFF`` (outside every shift). Each interval also carries its *period*: the index of the shift
occurrence it belongs to (-1 when off shift), which the live shift figures reset on.

The table is extended lazily in chunks of four weeks, so a run of any length never computes
more calendar than it uses; lookups are a binary search on NumPy arrays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from smartfactory.domain.calendar import ShiftCalendar

__all__ = ["Slot", "Timeline"]

_CHUNK_S = 28 * 86400.0
_MAX_PERIOD_S = 366 * 86400.0  # a calendar without gaps still yields finite periods


class Slot(IntEnum):
    """What the calendar plans for an interval."""

    OFF = 0
    WORK = 1
    BREAK = 2


class Timeline:
    """Calendar intervals in simulation seconds, extended on demand."""

    def __init__(self, calendar: ShiftCalendar, start: datetime) -> None:
        self.calendar = calendar
        self.start = start
        self._ends = np.empty(0, dtype=np.float64)
        self._starts = np.empty(0, dtype=np.float64)
        self._slots = np.empty(0, dtype=np.int8)
        self._periods = np.empty(0, dtype=np.int64)
        self._names: list[str] = []
        self._covered = 0.0
        self._next_period = 0
        self._last_end = -1.0
        self._last_name = ""

    def _extend(self, until: float) -> None:
        while self._covered <= until:
            self._extend_chunk(self._covered, self._covered + _CHUNK_S)

    def _extend_chunk(self, lo_t: float, hi_t: float) -> None:
        rows: list[tuple[float, float, int, int]] = []

        def add(a: float, b: float, slot: Slot, period: int) -> None:
            a = max(a, rows[-1][1] if rows else lo_t)
            if b > a:
                rows.append((a, b, int(slot), period))

        lo = self.start + timedelta(seconds=lo_t)
        hi = self.start + timedelta(seconds=hi_t)
        cursor = lo_t
        for window in self.calendar.windows(lo, hi):
            ws = (window.start - self.start).total_seconds()
            we = (window.end - self.start).total_seconds()
            add(cursor, ws, Slot.OFF, -1)
            if ws == lo_t == self._last_end and window.shift == self._last_name:
                period = self._next_period - 1  # a shift cut by the chunk boundary
            else:
                period = self._next_period
                self._next_period += 1
                self._names.append(window.shift)
            self._last_end, self._last_name = we, window.shift
            t = ws
            for b_start, b_end in window.breaks:
                bs = (b_start - self.start).total_seconds()
                be = (b_end - self.start).total_seconds()
                add(t, bs, Slot.WORK, period)
                add(bs, be, Slot.BREAK, period)
                t = max(t, be)
            add(t, we, Slot.WORK, period)
            cursor = max(cursor, we)
        add(cursor, hi_t, Slot.OFF, -1)
        arr = np.array([(r[0], r[1]) for r in rows], dtype=np.float64).reshape(-1, 2)
        self._starts = np.concatenate([self._starts, arr[:, 0]])
        self._ends = np.concatenate([self._ends, arr[:, 1]])
        self._slots = np.concatenate([self._slots, np.array([r[2] for r in rows], np.int8)])
        self._periods = np.concatenate([self._periods, np.array([r[3] for r in rows], np.int64)])
        self._covered = hi_t

    def _index(self, t: float) -> int:
        """Index of the interval with start <= t < end."""
        if t >= self._covered:
            self._extend(t)
        return int(np.searchsorted(self._ends, t, side="right"))

    def at(self, t: float) -> tuple[Slot, float, int]:
        """The slot at ``t``, when it ends, and its shift period (-1 off shift)."""
        i = self._index(t)
        return Slot(int(self._slots[i])), float(self._ends[i]), int(self._periods[i])

    def period_bounds(self, t: float) -> tuple[int, float, float]:
        """The shift period holding the instant just before ``t`` and its bounds.

        Off-shift gaps are periods of their own (id -1) bounded by the surrounding shifts.
        """
        self._index(t)
        i = min(int(np.searchsorted(self._ends, t, side="left")), len(self._ends) - 1)
        period = int(self._periods[i])
        lo = i
        while lo > 0 and self._periods[lo - 1] == period:
            lo -= 1
        hi = i
        while True:
            while hi + 1 < len(self._ends) and self._periods[hi + 1] == period:
                hi += 1
            if hi + 1 < len(self._ends) or self._covered - t > _MAX_PERIOD_S:
                return period, float(self._starts[lo]), float(self._ends[hi])
            self._extend(self._covered)

    def shift_name(self, period: int) -> str | None:
        """The name of the shift of a period, None off shift."""
        return self._names[period] if period >= 0 else None

    def slots_between(
        self, a: float, b: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int8]]:
        """Starts, ends and slots of the intervals overlapping [a, b), clipped to it."""
        self._index(b)
        i = int(np.searchsorted(self._ends, a, side="right"))
        j = int(np.searchsorted(self._starts, b, side="left"))
        s = np.maximum(self._starts[i:j], a)
        e = np.minimum(self._ends[i:j], b)
        return s, e, self._slots[i:j]
