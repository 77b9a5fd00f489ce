"""Production orders, transfer batches (jobs) and their flow through product routings.

An order is split into jobs of at most ``batch`` units, where ``batch`` is how many units the
product's slowest step makes in ``transfer_batch_h`` hours. A job visits the routing's steps in
order; at each step it joins the queue of the eligible machine with the least queued work
(ideal seconds), ties going to the machine listed first. Good units of a finished step move on
as one job; scrapped units leave. An order is done when none of its jobs is left.

Conservation, per product and in total, at any instant (checked by the property tests)::

    units started = finished good + scrap (all steps) + work in progress

where a unit is *started* when its job is first taken up by a machine of the first step, and
work in progress counts every unit of a started job not yet finished or scrapped.

``upstream[m]`` counts jobs that will still need a step machine ``m`` is eligible for; a
machine with an empty queue is STARVED while that count is positive, IDLE otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from smartfactory.domain.production import Product, RoutingStep

__all__ = ["Job", "Shop", "SimOrder", "Workstation"]


@dataclass(slots=True, eq=False)
class SimOrder:
    """A production order as the simulator tracks it (times in simulation seconds)."""

    id: str
    product: Product
    quantity: int
    release: float
    due: float
    priority: int = 0
    status: str = "released"
    good: int = 0
    scrap: int = 0
    open_jobs: int = 0
    finished: float | None = None


@dataclass(slots=True, eq=False)
class Job:
    """A transfer batch of one order at one routing step."""

    order: SimOrder
    step: int
    qty: int
    seq: int
    started: bool = False
    done: int = 0  # units completed at this step (good or scrap)
    good: int = 0  # good units completed at this step, moving on together

    @property
    def routing_step(self) -> RoutingStep:
        """The routing step this job is at."""
        return self.order.product.routing[self.step]

    @property
    def key(self) -> tuple[int, float, int]:
        """Dispatch order: higher priority, then earlier due, then first created."""
        return (-self.order.priority, self.order.due, self.seq)

    def wip(self) -> int:
        """Units of this job in progress (0 before a first-step job is started)."""
        return (self.qty - self.done) + self.good if self.started else 0


class Workstation(Protocol):
    """What the shop needs from a simulated machine."""

    backlog_s: float

    def enqueue(self, job: Job) -> None:
        """Add a job to the machine's queue and wake it if it is waiting."""
        ...

    def upstream_changed(self) -> None:
        """The count of jobs still heading for this machine fell to 0."""
        ...


@dataclass(slots=True)
class ProductTotals:
    """Unit counters of one product."""

    started: int = 0
    finished: int = 0
    scrap: int = 0


@dataclass(slots=True)
class Shop:
    """Routes jobs between machines and keeps order and unit accounting."""

    stations: dict[str, Workstation]
    transfer_batch_h: float = 2.0
    on_order_change: Callable[[SimOrder], None] | None = None
    orders: dict[str, SimOrder] = field(default_factory=dict)
    jobs: set[Job] = field(default_factory=set)
    totals: dict[str, ProductTotals] = field(default_factory=dict)
    upstream: dict[str, int] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.upstream = dict.fromkeys(self.stations, 0)

    def release(self, order: SimOrder) -> None:
        """Release an order to the floor: split it into jobs queued at the first step."""
        self.orders[order.id] = order
        product = order.product
        slowest = max(s.ideal_cycle_s for s in product.routing)
        batch = max(1, int(self.transfer_batch_h * 3600.0 / slowest))
        n_jobs = math.ceil(order.quantity / batch)
        for k in range(n_jobs):
            qty = min(batch, order.quantity - k * batch)
            job = Job(order, 0, qty, next(self._seq))
            order.open_jobs += 1
            self.jobs.add(job)
            self._heading(product.routing[1:], +1)
            self._dispatch(job)
        self._changed(order)

    def _heading(self, steps: Sequence[RoutingStep], delta: int) -> None:
        for step in steps:
            for m in set(step.machines):
                self.upstream[m] += delta
                if self.upstream[m] == 0 and delta < 0:
                    self.stations[m].upstream_changed()

    def _dispatch(self, job: Job) -> None:
        step = job.routing_step
        best = min(step.machines, key=lambda m: self.stations[m].backlog_s)
        self.stations[best].enqueue(job)

    def _changed(self, order: SimOrder) -> None:
        if self.on_order_change is not None:
            self.on_order_change(order)

    def start(self, job: Job) -> None:
        """A machine takes up a job (first-step jobs become started units)."""
        if not job.started:
            job.started = True
            self.totals.setdefault(job.order.product.id, ProductTotals()).started += job.qty
            if job.order.status == "released":
                job.order.status = "in_progress"
                self._changed(job.order)

    def produced(self, job: Job, good: int, scrap: int) -> None:
        """Units completed at a job's step."""
        job.done += good + scrap
        job.good += good
        if scrap:
            job.order.scrap += scrap
            self.totals.setdefault(job.order.product.id, ProductTotals()).scrap += scrap

    def finish(self, job: Job, now: float) -> None:
        """A job's step is complete: move its good units on, or close it."""
        routing = job.order.product.routing
        order = job.order
        self.jobs.discard(job)
        if job.good > 0 and job.step + 1 < len(routing):
            nxt = Job(order, job.step + 1, job.good, next(self._seq), started=True)
            self.jobs.add(nxt)
            self._heading(routing[job.step + 1 : job.step + 2], -1)
            self._dispatch(nxt)
            return
        self._heading(routing[job.step + 1 :], -1)
        if job.step + 1 == len(routing):
            order.good += job.good
            self.totals.setdefault(order.product.id, ProductTotals()).finished += job.good
        order.open_jobs -= 1
        if order.open_jobs == 0:
            order.status = "done"
            order.finished = now
        self._changed(order)

    def wip(self) -> dict[str, int]:
        """Work in progress per product."""
        out: dict[str, int] = {}
        for job in self.jobs:
            pid = job.order.product.id
            out[pid] = out.get(pid, 0) + job.wip()
        return out
