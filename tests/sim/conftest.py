"""Small plants built in code for the simulator tests."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import time
from pathlib import Path

import pytest

from smartfactory.domain import (
    Area,
    Break,
    Costs,
    Demand,
    Enterprise,
    Line,
    LocalizedText,
    Machine,
    MachineBehaviour,
    MaintenanceTeam,
    Plant,
    Product,
    RoutingStep,
    SensorModel,
    Shift,
    ShiftCalendar,
    Signal,
    Site,
)
from smartfactory.store import DuckDBStore

ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def text(s: str) -> LocalizedText:
    return LocalizedText(en=s)


def machine(
    mid: str, behaviour: MachineBehaviour | None = None, signals: Sequence[str] = ()
) -> Machine:
    b = behaviour or MachineBehaviour()
    names = list(signals) + [s.signal for s in b.sensors if s.signal not in signals]
    return Machine(
        id=mid,
        name=text(mid),
        signals=tuple(Signal(name=n, unit="u") for n in names),
        behaviour=b,
    )


def calendar(*, around_the_clock: bool = False, breaks: bool = True) -> ShiftCalendar:
    if around_the_clock:
        return ShiftCalendar(
            timezone="UTC", shifts=(Shift(name="all", start=time(0), end=time(0), days=ALL_DAYS),)
        )
    brk = (Break(start=time(12), minutes=60),) if breaks else ()
    return ShiftCalendar(
        timezone="UTC",
        shifts=(
            Shift(name="day", start=time(6), end=time(14), days=ALL_DAYS[:5], breaks=brk),
            Shift(name="late", start=time(14), end=time(22), days=ALL_DAYS[:5]),
        ),
    )


def plant(
    machines: Sequence[Machine],
    products: Sequence[Product],
    *,
    demand: Sequence[Demand] = (),
    cal: ShiftCalendar | None = None,
    crews: int = 1,
    costs: Costs | None = None,
) -> Plant:
    return Plant(
        enterprise=Enterprise(id="acme", name=text("Acme")),
        site=Site(
            id="site",
            name=text("Site"),
            calendar=cal or calendar(),
            areas=(
                Area(
                    id="area",
                    name=text("Area"),
                    lines=(Line(id="line", name=text("Line"), machines=tuple(machines)),),
                ),
            ),
        ),
        products=tuple(products),
        demand=tuple(demand),
        costs=costs or Costs(),
        maintenance=MaintenanceTeam(crews=crews),
    )


def product(pid: str, steps: Sequence[tuple[str, Sequence[str], float, float]]) -> Product:
    return Product(
        id=pid,
        name=text(pid),
        routing=tuple(
            RoutingStep(operation=op, machines=tuple(ms), ideal_cycle_s=c, setup_min=s)
            for op, ms, c, s in steps
        ),
    )


def two_line_plant(*, crews: int = 1, wear_life_h: float = 300.0) -> Plant:
    """Two products over four machines, with wear, micro-stops, scrap and a sensor."""
    b = MachineBehaviour.model_validate(
        {
            "micro_stops": {"rate_per_h": 2.0, "mean_s": 60},
            "scrap": {"base_rate": 0.02, "degradation_gain": 0.2},
            "degradation": {"model": "gamma", "mean_life_h": wear_life_h, "life_cv": 0.3},
            "repair": {"mean_h": 2.0, "cv": 0.5},
            "preventive": {"interval_h": 100, "duration_h": 1.0, "restores": 0.5},
            "sensors": [
                {
                    "signal": "vibration",
                    "idle": 0.5,
                    "producing": 2.0,
                    "wear_gain": 3.0,
                    "noise_sd": 0.1,
                }
            ],
        }
    )
    ms = [machine(m, b) for m in ("lathe-1", "lathe-2", "mill-1", "pack-1")]
    products = [
        product(
            "a",
            [
                ("turn", ["lathe-1", "lathe-2"], 30, 20),
                ("mill", ["mill-1"], 40, 30),
                ("pack", ["pack-1"], 10, 5),
            ],
        ),
        product("b", [("turn", ["lathe-2"], 25, 20), ("pack", ["pack-1"], 10, 5)]),
    ]
    demand = [
        Demand(product="a", every_h=8, quantity_min=200, quantity_max=400, lead_time_h=48),
        Demand(product="b", every_h=12, quantity_min=100, quantity_max=300, lead_time_h=48),
    ]
    costs = Costs(
        preventive_maintenance=100,
        corrective_maintenance=1000,
        maintenance_labour_per_h=10,
        downtime_per_h=50,
        scrap_per_unit=2,
    )
    return plant(ms, products, demand=demand, crews=crews, costs=costs)


@pytest.fixture
def small_plant() -> Plant:
    return two_line_plant()


@pytest.fixture
def store(tmp_path: Path) -> Generator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "sim.duckdb")
    yield s
    s.close()


__all__ = ["SensorModel", "calendar", "machine", "plant", "product", "text", "two_line_plant"]
