from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from smartfactory.config import example_plant
from smartfactory.decisions.scheduling import (
    Downtime,
    SchedulingError,
    SolveOptions,
    TimeAxis,
    build_problem,
    orders_from_demand,
    plan_rows,
    solve,
    validate_plan,
)
from smartfactory.domain.production import ProductionOrder

NOW = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # Monday 09:00 in Changwon (UTC+9)


def test_example_plant_order_book_builds_and_solves() -> None:
    plant = example_plant()
    orders = orders_from_demand(plant, NOW, 3, np.random.default_rng(7))
    assert len(orders) == 3 * len(plant.demand)
    built = build_problem(plant, orders, NOW)
    problem = built.problem
    assert problem.n_machines == 18
    assert len(problem.jobs) == len(orders)
    assert problem.has_setups()
    shaft = next(i for i, r in enumerate(built.jobs) if r.product == "shaft-a")
    turning = problem.jobs[shaft].operations[0]
    assert [problem.machine_name(m) for m in turning.machines()] == ["cnc-01", "cnc-02"]
    order = next(o for o in orders if o.id == built.jobs[shaft].order)
    speed = plant.machine("cnc-01").behaviour.speed_factor
    assert turning.alternatives[0].duration == math.ceil(order.quantity * 42 * speed / 60)
    assert turning.setup == 30
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    rows = plan_rows(built, plan)
    assert len(rows) == problem.n_operations
    assert rows[0].start >= NOW
    assert all(r.end > r.start for r in rows)


def test_time_axis_skips_breaks_and_nights() -> None:
    plant = example_plant()
    axis = TimeAxis.from_calendar(plant.site.calendar, NOW, 2)
    # 09:00 -> 10:00 KST is one working hour; the 10:00 break is skipped
    assert axis.to_model(NOW + timedelta(hours=1)) == 60
    assert axis.to_model(NOW + timedelta(hours=1, minutes=10)) == 60
    assert axis.to_datetime(60) == NOW + timedelta(hours=1, minutes=10)
    # the day shift ends at 17:00 KST: 8 h minus 80 min of breaks after 09:00
    day_left = 8 * 60 - 80
    assert axis.to_model(NOW + timedelta(hours=8)) == day_left
    assert axis.to_datetime(day_left) == NOW + timedelta(hours=11)  # night shift, 20:00 KST


def test_downtime_priority_and_crew_are_mapped() -> None:
    plant = example_plant()
    order = ProductionOrder(
        id="SO-1",
        product="hinge-plate",
        quantity=600,
        release=NOW,
        due=NOW + timedelta(hours=30),
        priority=3,
    )
    down = Downtime(machine="press-01", start=NOW, end=NOW + timedelta(hours=2))
    built = build_problem(plant, [order], NOW, downtimes=[down], crew_capacity=1, batch_units=250)
    problem = built.problem
    assert len(problem.jobs) == 3
    assert [j.weight for j in problem.jobs] == [4, 4, 4]
    assert problem.unavailable[0].machine == built.machine_index("press-01")
    assert problem.unavailable[0].end == 110  # two hours minus the 10-minute break
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    assert all(
        o.start >= 110 for o in plan.operations() if o.machine == built.machine_index("press-01")
    )


def test_unknown_references_are_refused() -> None:
    plant = example_plant()
    bad = ProductionOrder(id="X", product="nope", quantity=1, release=NOW, due=NOW)
    with pytest.raises(SchedulingError, match="unknown product"):
        build_problem(plant, [bad], NOW)
    down = Downtime(machine="nope", start=NOW, end=NOW + timedelta(hours=1))
    with pytest.raises(SchedulingError, match="unknown machine"):
        build_problem(plant, [], NOW, downtimes=[down])
    with pytest.raises(SchedulingError, match="timezone"):
        build_problem(plant, [], datetime(2026, 11, 2))
