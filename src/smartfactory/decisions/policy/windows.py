"""Where to put a preventive job: candidate windows, production loss, grouping per line.

A *window* is time in which a machine is not needed for production: off shift, a break, or
idle time / changeovers between the busy intervals of a production plan. For a job of
``d`` hours starting at a window's start, the production hours lost are the overlap of
``[start, start + d)`` with the machine's *needed* time (working time of the calendar, or the
busy intervals of the plan when one is given). :func:`choose_window` weighs, per window,
``C_p + downtime_per_h * lost_h`` against the failure risk before the window starts,
``P(R <= producing hours before the window) * (C_f - C_p)``, and takes the cheapest.
:func:`group_by_line` moves jobs of one line into a shared window when the line's stop is
shared (a stopped line loses its production once, not once per machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.decisions.policy.expected_cost import MaintenanceCosts

__all__ = [
    "LineJob",
    "Window",
    "WindowChoice",
    "choose_window",
    "free_windows",
    "group_by_line",
    "overlap_h",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Window:
    """A span in hours from now when a machine is not needed; ``kind`` names why."""

    start_h: float
    end_h: float
    kind: str  # "no_shift", "break", "idle", "changeover", ...

    @property
    def length_h(self) -> float:
        """Its length in hours."""
        return self.end_h - self.start_h


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """The chosen window's index and the expected cost of every window (same order)."""

    index: int
    expected_costs: tuple[float, ...]
    lost_production_h: tuple[float, ...]
    failure_probabilities: tuple[float, ...]


def _merge(starts: FloatArray, ends: FloatArray) -> tuple[FloatArray, FloatArray]:
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts)
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    new = np.concatenate([[True], s[1:] > run_end[:-1]])
    idx = np.flatnonzero(new)
    last = np.concatenate([idx[1:] - 1, [s.size - 1]])
    return s[idx], run_end[last]


def overlap_h(
    start: FloatArray, end: FloatArray, busy: Sequence[tuple[float, float]]
) -> FloatArray:
    """Hours of each ``[start_i, end_i)`` that overlap the (possibly overlapping) busy spans."""
    if not busy:
        return np.zeros_like(start)
    b = np.asarray(busy, dtype=np.float64).reshape(-1, 2)
    bs, be = _merge(b[:, 0], b[:, 1])
    lo = np.maximum(start[:, None], bs[None, :])
    hi = np.minimum(end[:, None], be[None, :])
    return np.asarray(np.clip(hi - lo, 0.0, None).sum(axis=1), dtype=np.float64)


def free_windows(
    horizon_h: float,
    work: Sequence[tuple[float, float]],
    busy: Sequence[tuple[float, float]] | None = None,
    *,
    min_h: float = 0.0,
) -> list[Window]:
    """Windows in ``[0, horizon_h)``: gaps between working spans, and idle gaps of a plan.

    ``work``: the calendar's working spans (hours from now); ``busy``: a production plan's
    busy spans for the machine (None: no plan, the machine is needed all working time).
    Gaps in working time are ``no_shift`` (or ``break`` when shorter than 2 h); gaps in the
    plan inside working time are ``idle``. Windows shorter than ``min_h`` are dropped.
    """
    ws, we = _merge(*(np.asarray(work, dtype=np.float64).reshape(-1, 2).T.copy()))
    out: list[Window] = []
    cursor = 0.0
    for s, e in zip(ws.tolist(), we.tolist(), strict=True):
        if s > cursor:
            out.append(Window(cursor, min(s, horizon_h), "break" if s - cursor < 2 else "no_shift"))
        cursor = max(cursor, e)
    if cursor < horizon_h:
        out.append(Window(cursor, horizon_h, "no_shift"))
    if busy is not None:
        bs, be = _merge(*(np.asarray(busy, dtype=np.float64).reshape(-1, 2).T.copy()))
        for s, e in zip(ws.tolist(), we.tolist(), strict=True):
            cur = s
            for b0, b1 in zip(bs.tolist(), be.tolist(), strict=True):
                if b1 <= cur or b0 >= e:
                    continue
                if b0 > cur:
                    out.append(Window(cur, b0, "idle"))
                cur = max(cur, b1)
            if cur < e:
                out.append(Window(cur, e, "idle"))
    return sorted(
        (w for w in out if w.start_h < horizon_h and w.length_h >= min_h and w.length_h > 0),
        key=lambda w: w.start_h,
    )


def choose_window(
    windows: Sequence[Window],
    duration_h: float,
    needed: Sequence[tuple[float, float]],
    rul_samples: npt.ArrayLike,
    costs: MaintenanceCosts,
    *,
    producing_share: float = 1.0,
) -> WindowChoice:
    """The window with the least expected cost for a job of ``duration_h`` hours.

    ``needed``: spans (hours from now) in which the machine is needed for production (the
    busy intervals of a plan, or the working time of the calendar). The RUL is in producing
    hours; producing hours before a window are ``producing_share`` x needed hours before it.
    """
    if not windows:
        raise ValueError("no candidate window")
    rul = np.asarray(rul_samples, dtype=np.float64)
    start = np.array([w.start_h for w in windows], dtype=np.float64)
    lost = overlap_h(start, start + duration_h, needed)
    before = overlap_h(np.zeros_like(start), start, needed) * producing_share
    fail = np.mean(rul[None, :] <= before[:, None], axis=1)
    cp = costs.preventive_total(0.0) + costs.downtime_per_h * lost
    expected = cp * (1.0 - fail) + costs.failure_total() * fail
    i = int(np.argmin(expected))
    return WindowChoice(
        i,
        tuple(float(x) for x in expected),
        tuple(float(x) for x in lost),
        tuple(float(x) for x in fail),
    )


@dataclass(frozen=True, slots=True)
class LineJob:
    """A planned preventive job: its machine, line, planned start (h from now) and latest start."""

    machine: str
    line: str
    start_h: float
    latest_h: float
    duration_h: float


def group_by_line(
    jobs: Sequence[LineJob], downtime_per_h: float, early_cost_per_h: float
) -> list[LineJob]:
    """Pull jobs of a line forward into the earliest job's stop when that pays.

    Jobs of one line whose window would each stop the line are merged: a later job moves to
    the earliest job's start when the downtime it shares (its duration, up to the leading
    job's, costed at ``downtime_per_h``) exceeds the life given away by doing it earlier
    (hours pulled forward x ``early_cost_per_h``, e.g. the run-to-failure cost rate). Jobs
    never move later than planned, so their latest start stays respected.
    """
    out: list[LineJob] = []
    by_line: dict[str, list[LineJob]] = {}
    for j in jobs:
        by_line.setdefault(j.line, []).append(j)
    for line_jobs in by_line.values():
        line_jobs.sort(key=lambda j: j.start_h)
        lead = line_jobs[0]
        out.append(lead)
        for j in line_jobs[1:]:
            shared = min(j.duration_h, lead.duration_h) * downtime_per_h
            given_away = (j.start_h - lead.start_h) * early_cost_per_h
            if shared > given_away:
                out.append(
                    LineJob(
                        j.machine, j.line, lead.start_h, min(j.latest_h, j.start_h), j.duration_h
                    )
                )
            else:
                out.append(j)
    return out
