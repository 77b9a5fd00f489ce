"""Per-machine figures of the current shift, for live snapshots (ISO 22400-2 ratios).

A :class:`ShiftTracker` accumulates, for the shift period that holds the latest committed
time, the actual production time (APT), planned busy time (PBT: every state except planned
stops and no shift), ideal time of the units made (sum of ideal cycle x units), and good and
scrap units. It rolls over to a new period when committed time passes the period's end.

Only the simulation thread writes a tracker, under the simulation's lock; snapshots read it
under the same lock and add the still-open state interval and the in-flight units (those of
the running segment whose finish time has passed), so live counts move smoothly although a
segment's units are committed in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartfactory.domain.live import iso22400_ratios
from smartfactory.domain.states import MachineState, in_planned_busy_time
from smartfactory.sim.timeline import Timeline

__all__ = ["Period", "ShiftFigures", "ShiftTracker", "ratios"]


@dataclass(frozen=True, slots=True)
class Period:
    """A shift occurrence (or an off-shift gap, id -1) in simulation seconds."""

    id: int
    start: float
    end: float
    shift: str | None


@dataclass(frozen=True, slots=True)
class ShiftFigures:
    """Accumulated figures of one machine in one period."""

    start: float = 0.0
    end: float = -1.0
    apt: float = 0.0
    pbt: float = 0.0
    ideal: float = 0.0
    good: int = 0
    scrap: int = 0


class ShiftTracker:
    """Accumulates one machine's figures for the current shift period."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.figures = ShiftFigures()

    def _roll(self, t: float) -> ShiftFigures:
        f = self.figures
        if f.start < t <= f.end:
            return f
        _, start, end = self.timeline.period_bounds(t)
        self.figures = ShiftFigures(start, end)
        return self.figures

    def add_time(self, state: MachineState, t0: float, t1: float) -> None:
        """Time spent in ``state`` during [t0, t1)."""
        if t1 <= t0:
            return
        f = self._roll(t1)
        span = t1 - max(t0, f.start)
        if span <= 0 or not in_planned_busy_time(state):
            return
        apt = f.apt + span if state == MachineState.PRODUCING else f.apt
        self.figures = ShiftFigures(f.start, f.end, apt, f.pbt + span, f.ideal, f.good, f.scrap)

    def add_units(self, t: float, good: int, scrap: int, ideal_s: float) -> None:
        """Units completed by ``t``, worth ``ideal_s`` ideal seconds."""
        f = self._roll(t)
        self.figures = ShiftFigures(
            f.start, f.end, f.apt, f.pbt, f.ideal + ideal_s, f.good + good, f.scrap + scrap
        )


def ratios(
    apt: float, pbt: float, ideal: float, good: int, scrap: int
) -> tuple[float | None, float | None, float | None, float | None]:
    """Availability, performance, quality and OEE; None where undefined."""
    r = iso22400_ratios(apt, pbt, ideal, good, scrap)
    return r.availability, r.performance, r.quality, r.oee
