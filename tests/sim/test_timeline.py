"""The calendar as simulation time, and the package's public names."""

from __future__ import annotations

from datetime import UTC, datetime

import smartfactory.sim
from smartfactory.sim.timeline import Slot, Timeline
from tests.sim.conftest import calendar

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
H = 3600.0


def test_slots_and_periods() -> None:
    tl = Timeline(calendar(), START)
    assert tl.at(0.0)[:2] == (Slot.OFF, 6 * H)
    assert tl.at(7 * H)[:2] == (Slot.WORK, 12 * H)
    slot, end, period = tl.at(12.5 * H)
    assert (slot, end) == (Slot.BREAK, 13 * H)
    assert tl.shift_name(period) == "day"
    assert tl.period_bounds(8 * H) == (period, 6 * H, 14 * H)
    late = tl.period_bounds(15 * H)
    assert (tl.shift_name(late[0]), late[1:]) == ("late", (14 * H, 22 * H))
    # Saturday is off until Monday 06:00, across a lazily extended chunk boundary
    assert tl.at(5 * 24 * H)[:2] == (Slot.OFF, 7 * 24 * H + 6 * H)
    assert tl.at(40 * 24 * H)[1] > 40 * 24 * H


def test_public_names() -> None:
    assert set(smartfactory.sim.__all__) == {
        "CMAPSS_ENV",
        "DEFAULT_START",
        "CmapssData",
        "CmapssWear",
        "FactorySimulation",
        "GammaWear",
        "NoWear",
        "Progress",
        "SimulationResult",
        "Wear",
        "default_cmapss_dir",
        "load_cmapss",
        "make_wear",
        "simulate",
    }
