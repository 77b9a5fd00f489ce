"""Parts in = parts out + scrap + work in progress, per product and in total, at any end time."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.sim import FactorySimulation
from tests.sim.conftest import two_line_plant

PLANT = two_line_plant(wear_life_h=60.0)


def check(sim: FactorySimulation) -> None:
    wip = sim.shop.wip()
    for pid, t in sim.shop.totals.items():
        assert t.started == t.finished + t.scrap + wip.get(pid, 0), pid
    r = sim.result()
    assert (
        r.units_started
        == r.finished_units + sum(t.scrap for t in sim.shop.totals.values()) + r.wip_units
    )
    assert r.scrap_units == sum(t.scrap for t in sim.shop.totals.values())
    assert r.good_units + r.scrap_units == sum(m.totals.good + m.totals.scrap for m in sim.machines)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    first_h=st.floats(0.5, 120.0),
    second_h=st.floats(0.0, 60.0),
)
def test_conservation_at_any_end_time(seed: int, first_h: float, second_h: float) -> None:
    sim = FactorySimulation(PLANT, seed=seed, start=datetime(2026, 1, 5, 7, tzinfo=UTC))
    sim.run_for(first_h * 3600)
    check(sim)
    sim.run_for(second_h * 3600)
    check(sim)
    assert sim.result().units_started > 0
