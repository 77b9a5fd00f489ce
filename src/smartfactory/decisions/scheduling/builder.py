"""Build a scheduling problem from the plant model: plant, production orders, calendar, now.

Each order becomes one job per transfer batch (``batch_units``; default: the whole order),
visiting its product's routing in order. A step may run on any machine its routing step names,
for ``ceil(units * ideal_cycle_s * speed_factor / 60)`` working minutes (the machine's
``behaviour.speed_factor`` is its mean cycle over the ideal one). Changing a machine from one
product to another costs the step's ``setup_min``. Releases and due dates map onto the
working-time axis (:class:`~smartfactory.decisions.scheduling.timeaxis.TimeAxis`); planned
downtime becomes unavailability windows; ``crew_capacity`` limits how many operations run at
once (one operator each). The weight of a job is ``1 + max(priority, 0)``.

:func:`plan_rows` turns a plan back into datetimes for people and the API.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.decisions.scheduling.plan import Plan
from smartfactory.decisions.scheduling.problem import (
    Alternative,
    Job,
    Objective,
    Operation,
    Problem,
    SchedulingError,
    Window,
)
from smartfactory.decisions.scheduling.timeaxis import TimeAxis
from smartfactory.domain import Plant
from smartfactory.domain.calendar import ShiftCalendar
from smartfactory.domain.production import ProductionOrder

__all__ = [
    "DEFAULT_OBJECTIVE",
    "Downtime",
    "PlannedOperation",
    "PlantProblem",
    "build_problem",
    "orders_from_demand",
    "plan_rows",
]

DEFAULT_OBJECTIVE = Objective(tardiness_weight=10, makespan_weight=1)


class Downtime(BaseModel):
    """A machine is unavailable over ``[start, end)`` (planned maintenance, a breakdown)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str
    start: datetime
    end: datetime
    reason: str = "maintenance"


class PlannedOperation(BaseModel):
    """One planned operation in plant terms (the boundary shape for the API and the CLI)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: str
    batch: int = Field(ge=0)
    product: str
    operation: str
    machine: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class JobRef:
    """Which order, batch and product a job stands for, and its step names."""

    order: str
    batch: int
    product: str
    operations: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class PlantProblem:
    """A problem built from a plant, with the mappings back to plant terms."""

    problem: Problem
    axis: TimeAxis
    jobs: tuple[JobRef, ...]
    machine_ids: tuple[str, ...]

    def machine_index(self, machine_id: str) -> int:
        """The model index of a machine id."""
        try:
            return self.machine_ids.index(machine_id)
        except ValueError as err:
            raise SchedulingError(f"unknown machine {machine_id!r}") from err


def build_problem(
    plant: Plant,
    orders: Sequence[ProductionOrder],
    now: datetime,
    *,
    calendar: ShiftCalendar | None = None,
    downtimes: Sequence[Downtime] = (),
    batch_units: int | None = None,
    crew_capacity: int | None = None,
    objective: Objective = DEFAULT_OBJECTIVE,
    horizon_days: float = 60.0,
) -> PlantProblem:
    """The flexible job-shop problem of ``orders`` on ``plant`` from ``now``.

    ``calendar`` defaults to the site's; pass ``None`` and ``horizon_days`` to size the axis.
    Orders of unknown products raise :class:`SchedulingError`.
    """
    if now.tzinfo is None:
        raise SchedulingError("now must be timezone-aware (UTC)")
    cal = calendar if calendar is not None else plant.site.calendar
    axis = TimeAxis.from_calendar(cal, now, horizon_days)
    machine_ids = tuple(m.id for m in plant.machines())
    index = {m: i for i, m in enumerate(machine_ids)}
    speed = np.array([m.behaviour.speed_factor for m in plant.machines()], dtype=np.float64)
    families = {p.id: i for i, p in enumerate(plant.products)}
    jobs: list[Job] = []
    refs: list[JobRef] = []
    for order in orders:
        try:
            product = plant.product(order.product)
        except KeyError as err:
            raise SchedulingError(f"order {order.id}: unknown product {order.product!r}") from err
        size = batch_units or order.quantity
        batches = [min(size, order.quantity - k) for k in range(0, order.quantity, size)]
        for b, units in enumerate(batches):
            ops = tuple(
                Operation(
                    tuple(
                        Alternative(
                            index[m],
                            max(1, math.ceil(units * step.ideal_cycle_s * speed[index[m]] / 60)),
                        )
                        for m in step.machines
                    ),
                    setup=math.ceil(step.setup_min),
                    crew=1 if crew_capacity is not None else 0,
                    name=step.operation,
                )
                for step in product.routing
            )
            jobs.append(
                Job(
                    ops,
                    release=axis.to_model(order.release),
                    due=axis.to_model(order.due) if order.due > now else -_minutes(now - order.due),
                    weight=1 + max(order.priority, 0),
                    family=families[product.id],
                    name=f"{order.id}#{b}",
                )
            )
            refs.append(
                JobRef(order.id, b, product.id, tuple(s.operation for s in product.routing))
            )
    windows = tuple(
        Window(index[d.machine], axis.to_model(d.start), axis.to_model(d.end), d.reason)
        for d in downtimes
        if d.machine in index and d.end > now
    )
    unknown = sorted({d.machine for d in downtimes} - set(index))
    if unknown:
        raise SchedulingError(f"downtime for unknown machine(s) {unknown}")
    problem = Problem(
        tuple(jobs),
        len(machine_ids),
        machine_ids,
        windows,
        None,
        crew_capacity,
        objective,
    )
    return PlantProblem(problem, axis, tuple(refs), machine_ids)


def _minutes(delta: timedelta) -> int:
    return math.ceil(delta.total_seconds() / 60.0)


def orders_from_demand(
    plant: Plant, start: datetime, days: int, rng: np.random.Generator
) -> list[ProductionOrder]:
    """An order book like the simulator's for ``days`` from ``start``.

    Each demand line releases an order every ``every_h`` hours with a random quantity in its
    range, due ``lead_time_h`` later.
    """
    out: list[ProductionOrder] = []
    seq = 0
    end = start + timedelta(days=days)
    for d in plant.demand:
        t = start
        while t < end:
            seq += 1
            qty = int(rng.integers(d.quantity_min, d.quantity_max + 1))
            out.append(
                ProductionOrder(
                    id=f"SO-{seq:06d}-{d.product}",
                    product=d.product,
                    quantity=qty,
                    release=t,
                    due=t + timedelta(hours=d.lead_time_h),
                )
            )
            t += timedelta(hours=d.every_h)
    out.sort(key=lambda o: (o.release, o.id))
    return out


def plan_rows(built: PlantProblem, plan: Plan) -> list[PlannedOperation]:
    """The plan in plant terms (datetimes in UTC), by start time."""
    rows = [
        PlannedOperation(
            order=built.jobs[o.job].order,
            batch=built.jobs[o.job].batch,
            product=built.jobs[o.job].product,
            operation=built.jobs[o.job].operations[o.step],
            machine=built.machine_ids[o.machine],
            start=built.axis.to_datetime(o.start),
            end=built.axis.to_datetime(o.end),
        )
        for o in plan.operations()
    ]
    rows.sort(key=lambda r: (r.start, r.machine))
    return rows
