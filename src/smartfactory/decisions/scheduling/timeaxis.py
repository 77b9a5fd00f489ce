"""Working time: the model's clock counts minutes inside shifts (breaks and off-shift removed).

A plant model's operations take hours while shifts last eight, so an operation resumes across
breaks and nights (as the simulator's machines do). The scheduler therefore works on a
*working-time* axis: minute ``t`` is the ``t``-th planned working minute after ``now``. The
axis maps datetimes to model minutes and back; instants outside shifts map to the next working
minute. Machine-specific downtime (maintenance, breakdowns) stays as unavailability windows on
this axis.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from smartfactory.domain.calendar import ShiftCalendar

__all__ = ["TimeAxis"]


@dataclass(frozen=True, slots=True, eq=False)
class TimeAxis:
    """Working segments ``[start, end)`` (UTC) after ``now``, with their model offsets."""

    now: datetime
    segments: tuple[tuple[datetime, datetime], ...]
    offsets: NDArray[np.int64]  # model minute at which each segment starts

    @classmethod
    def from_calendar(cls, calendar: ShiftCalendar, now: datetime, days: float) -> TimeAxis:
        """The working time of ``calendar`` from ``now`` for ``days`` calendar days."""
        end = now + timedelta(days=days)
        segments: list[tuple[datetime, datetime]] = []
        for w in calendar.windows(now, end):
            cursor = w.start
            for b0, b1 in w.breaks:
                if b0 > cursor:
                    segments.append((cursor, b0))
                cursor = max(cursor, b1)
            if w.end > cursor:
                segments.append((cursor, w.end))
        merged: list[tuple[datetime, datetime]] = []
        for s, e in sorted(segments):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return cls.from_segments(now, merged)

    @classmethod
    def continuous(cls, now: datetime, days: float) -> TimeAxis:
        """Round-the-clock working time (no calendar)."""
        return cls.from_segments(now, [(now, now + timedelta(days=days))])

    @classmethod
    def from_segments(cls, now: datetime, segments: list[tuple[datetime, datetime]]) -> TimeAxis:
        """An axis of explicit working segments (sorted, disjoint, after ``now``)."""
        minutes = [_whole_minutes(e - s) for s, e in segments]
        offsets = np.concatenate(([0], np.cumsum(minutes)[:-1])).astype(np.int64)
        return cls(now, tuple(segments), offsets)

    @property
    def capacity(self) -> int:
        """Working minutes on the axis."""
        if not self.segments:
            return 0
        s, e = self.segments[-1]
        return int(self.offsets[-1]) + _whole_minutes(e - s)

    def to_model(self, instant: datetime) -> int:
        """Working minutes from ``now`` to ``instant`` (rounded up; off-shift: next shift)."""
        if not self.segments or instant <= self.segments[0][0]:
            return 0
        i = bisect_right([s for s, _ in self.segments], instant) - 1
        s, e = self.segments[i]
        inside = min(instant, e) - s
        return int(self.offsets[i]) + math.ceil(inside.total_seconds() / 60.0)

    def to_datetime(self, minute: int) -> datetime:
        """The instant of model minute ``minute`` (beyond the axis: extrapolated linearly)."""
        if not self.segments:
            return self.now + timedelta(minutes=minute)
        i = max(0, int(np.searchsorted(self.offsets, minute, side="right")) - 1)
        s, _ = self.segments[i]
        return s + timedelta(minutes=minute - int(self.offsets[i]))


def _whole_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
