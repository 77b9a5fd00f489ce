"""The site calendar over a window as sorted NumPy arrays: shifts, breaks, days and weeks.

:class:`CalendarGrid` answers, for arrays of instants, which shift occurrence, local day and
ISO week they fall in, and whether the calendar plans work, a break or nothing then. Its
:meth:`~CalendarGrid.boundaries` are where intervals are cut so that each piece lies in one
shift, day and week (:func:`smartfactory.kpi.intervals.split_at`).

:func:`apply_calendar` is what makes the KPIs calendar-aware: time the machine did not use
(``unknown`` — including gaps in the data — and ``idle``) becomes ``no_shift`` outside every
shift and on holidays, and ``planned_stop`` with reason ``break`` during a break. Time the
machine did use (producing, setup, stops, starved, blocked) keeps its state: producing on a
Saturday still counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from smartfactory.domain.calendar import ShiftCalendar
from smartfactory.domain.states import MachineState as S
from smartfactory.kpi.files import to_us
from smartfactory.kpi.intervals import I64, Intervals

__all__ = ["BREAK_REASON", "CalendarGrid", "apply_calendar"]

BREAK_REASON = "break"
OFF, WORK, BREAK = 0, 1, 2


def _search(edges: I64, t: I64) -> npt.NDArray[np.intp]:
    """Index of the last edge <= t (-1 before the first)."""
    return np.searchsorted(edges, t, side="right") - 1


@dataclass(frozen=True, slots=True)
class CalendarGrid:
    """Shift occurrences, breaks, local days and weeks of one window, in µs since the epoch."""

    shift_start: I64
    shift_end: I64
    shift_name: npt.NDArray[np.intp]  # index into shift_names
    shift_names: tuple[str, ...]
    shift_labels: tuple[str, ...]  # one per occurrence: "2024-03-04/day"
    break_start: I64
    break_end: I64
    day_start: I64
    day_labels: tuple[str, ...]
    week_start: I64
    week_labels: tuple[str, ...]

    @classmethod
    def build(cls, calendar: ShiftCalendar, start: datetime, end: datetime) -> CalendarGrid:
        """The calendar of [start, end)."""
        zone = ZoneInfo(calendar.timezone)
        windows = calendar.windows(start, end)
        names = tuple(s.name for s in calendar.shifts)
        brk = [b for w in windows for b in w.breaks]
        first = start.astimezone(zone).date()
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weeks = [d for d in days if d.weekday() == 0 or d == first]

        def midnight(d: date) -> int:
            return to_us(datetime.combine(d, time(0), tzinfo=zone))

        return cls(
            shift_start=np.array([to_us(w.start) for w in windows], dtype=np.int64),
            shift_end=np.array([to_us(w.end) for w in windows], dtype=np.int64),
            shift_name=np.array([names.index(w.shift) for w in windows], dtype=np.intp),
            shift_names=names,
            shift_labels=tuple(
                f"{w.start.astimezone(zone).date().isoformat()}/{w.shift}" for w in windows
            ),
            break_start=np.array([to_us(a) for a, _ in brk], dtype=np.int64),
            break_end=np.array([to_us(b) for _, b in brk], dtype=np.int64),
            day_start=np.array([midnight(d) for d in days], dtype=np.int64),
            day_labels=tuple(d.isoformat() for d in days),
            week_start=np.array([midnight(d) for d in weeks], dtype=np.int64),
            week_labels=tuple(f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in weeks),
        )

    def boundaries(self) -> I64:
        """Every instant where the shift, break, day or week changes, sorted."""
        parts = (
            self.shift_start, self.shift_end, self.break_start, self.break_end,
            self.day_start, self.week_start,
        )  # fmt: skip
        return np.unique(np.concatenate(parts)).astype(np.int64)

    def edges(self, lo: int, hi: int) -> I64:
        """Starts of the window's segments: ``lo`` and every boundary inside (lo, hi), sorted.

        Each segment [edges[j], edges[j + 1]) (the last one ends at ``hi``) lies in one shift
        occurrence (or none), one break slot, one day and one week.
        """
        b = self.boundaries()
        return np.concatenate(([lo], b[(b > lo) & (b < hi)])).astype(np.int64)

    def shift_of(self, t: I64) -> npt.NDArray[np.intp]:
        """Occurrence index of the shift containing each instant; -1 outside every shift."""
        i = _search(self.shift_start, t)
        ok = (i >= 0) & (t < self.shift_end[np.maximum(i, 0)]) if self.shift_end.size else i < -1
        return np.where(ok, i, -1)

    def slot_of(self, t: I64) -> npt.NDArray[np.int8]:
        """``WORK`` (1), ``BREAK`` (2) or ``OFF`` (0) at each instant."""
        slot = np.where(self.shift_of(t) >= 0, WORK, OFF).astype(np.int8)
        if self.break_start.size:
            j = _search(self.break_start, t)
            in_break = (j >= 0) & (t < self.break_end[np.maximum(j, 0)])
            slot[in_break] = BREAK
        return slot

    def day_of(self, t: I64) -> npt.NDArray[np.intp]:
        """Index of the local day containing each instant (clipped to the window's days)."""
        return np.clip(_search(self.day_start, t), 0, len(self.day_labels) - 1)

    def week_of(self, t: I64) -> npt.NDArray[np.intp]:
        """Index of the ISO week containing each instant (clipped to the window's weeks)."""
        return np.clip(_search(self.week_start, t), 0, len(self.week_labels) - 1)


def apply_calendar(iv: Intervals, grid: CalendarGrid) -> Intervals:
    """Unused time off shift becomes ``no_shift``, unused time in a break ``planned_stop``.

    ``iv`` must already be split at ``grid.boundaries()`` so each piece has one slot.
    """
    slot = grid.slot_of(iv.start)
    unused = (iv.state == S.UNKNOWN) | (iv.state == S.IDLE)
    state = iv.state.copy()
    state[unused & (slot == OFF)] = S.NO_SHIFT
    in_break = unused & (slot == BREAK)
    state[in_break] = S.PLANNED_STOP
    reasons = iv.reasons
    if BREAK_REASON not in reasons:
        reasons = (*reasons, BREAK_REASON)
    reason = iv.reason.copy()
    reason[in_break & (reason == 0)] = reasons.index(BREAK_REASON)
    return replace(iv, state=state, reason=reason, reasons=reasons)
