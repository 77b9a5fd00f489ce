from __future__ import annotations

import numpy as np
import pytest

from smartfactory.decisions.policy import (
    LineJob,
    MaintenanceCosts,
    choose_window,
    free_windows,
    group_by_line,
    overlap_h,
)

COSTS = MaintenanceCosts(
    preventive_cost=100.0, failure_cost=2000.0, downtime_per_h=500.0, preventive_h=2.0
)
WORK = [(0.0, 8.0), (8.5, 12.0), (24.0, 32.0)]  # a shift with a break, a gap, the next shift


def test_free_windows_from_calendar_and_plan() -> None:
    w = free_windows(40.0, WORK)
    assert [(x.start_h, x.end_h, x.kind) for x in w] == [
        (8.0, 8.5, "break"),
        (12.0, 24.0, "no_shift"),
        (32.0, 40.0, "no_shift"),
    ]
    planned = free_windows(40.0, WORK, busy=[(0.0, 5.0), (6.0, 8.0), (24.0, 30.0)], min_h=0.5)
    kinds = {(x.start_h, x.kind) for x in planned}
    assert (5.0, "idle") in kinds and (8.5, "idle") in kinds and (30.0, "idle") in kinds


def test_overlap() -> None:
    got = overlap_h(np.array([0.0, 7.0, 13.0]), np.array([2.0, 10.0, 14.0]), WORK)
    assert got == pytest.approx([2.0, 1.0 + 1.5, 0.0])


def test_low_risk_goes_off_shift_high_risk_goes_early() -> None:
    windows = free_windows(40.0, WORK)
    safe = np.full(100, 500.0)
    pick = choose_window(windows, 2.0, WORK, safe, COSTS)
    assert windows[pick.index].kind == "no_shift"
    assert pick.lost_production_h[pick.index] == 0.0
    risky = np.linspace(8.5, 11.0, 100)  # fails during the second half of the shift
    pick = choose_window(windows, 2.0, WORK, risky, COSTS)
    assert windows[pick.index].kind == "break"  # the break before, despite lost production
    assert pick.failure_probabilities[1] == 1.0


def test_group_by_line_shares_a_stop_when_it_pays() -> None:
    jobs = [
        LineJob("a", "L1", 10.0, 10.0, 2.0),
        LineJob("b", "L1", 12.0, 30.0, 2.0),
        LineJob("c", "L1", 200.0, 300.0, 2.0),
        LineJob("d", "L2", 50.0, 60.0, 1.0),
    ]
    out = {j.machine: j for j in group_by_line(jobs, downtime_per_h=500.0, early_cost_per_h=100.0)}
    assert out["b"].start_h == 10.0  # 2 h x 500 shared > 2 h x 100 given away
    assert out["c"].start_h == 200.0  # 190 h x 100 given away: not worth it
    assert out["d"].start_h == 50.0
