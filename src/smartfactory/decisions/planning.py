"""Making production plans: a first plan of the open orders, re-planning around maintenance.

:class:`Planner` makes the plans that :mod:`smartfactory.decisions.plans` stores:

* :meth:`Planner.ensure_plan` - a plan of the store's open orders when there is no active
  plan or the active one is older than ``max_age_h`` (a fresh solve from now);
* :meth:`Planner.replan` - the active plan re-scheduled with the scheduler's
  :func:`~smartfactory.decisions.scheduling.reschedule` on the active plan's own working-time
  axis, so operations that started stay frozen and every change against the old plan is
  penalised; every scheduled or running maintenance work order is an unavailability window,
  and open orders the old plan does not know are added as rush orders. The moves get a
  reason ("maintenance of M from ...", "new order", or the scheduler's own).

:func:`rebuild` gives back the problem and model plan of any stored plan, to validate it.
The service functions for the API and the dashboard, :func:`current_plan` and
:func:`plan_history`, are re-exported from :mod:`.plans`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from smartfactory.decisions.plans import (
    PLAN_KIND,
    MaintenanceJob,
    PlanMove,
    ProductionPlan,
    activate_plan,
    current_plan,
    get_plan,
    plan_history,
    set_plan_status,
)
from smartfactory.decisions.scheduling import (
    Downtime,
    Plan,
    PlantProblem,
    Problem,
    RescheduleOptions,
    RushOrder,
    ScheduledOperation,
    SchedulingError,
    SolveOptions,
    build_problem,
    plan_rows,
    reschedule,
    solve,
)
from smartfactory.decisions.scheduling.plan import make_plan
from smartfactory.decisions.workorders import WorkOrderStatus
from smartfactory.domain import Plant
from smartfactory.domain.production import ProductionOrder
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "PLAN_KIND",
    "MaintenanceJob",
    "PlanMove",
    "Planner",
    "ProductionPlan",
    "Replan",
    "activate_plan",
    "current_plan",
    "get_plan",
    "maintenance_windows",
    "open_orders",
    "plan_history",
    "rebuild",
    "set_plan_status",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Replan:
    """The outcome of :meth:`Planner.replan`: the new plan (stored ``proposed``) and costs.

    ``keep_cost``: production of the old plan that collides with the maintenance windows,
    valued at the downtime rate; ``replan_cost``: the delay the new plan adds to the old
    plan's orders (weighted tardiness and makespan minutes) at the same rate.
    """

    plan: ProductionPlan
    previous: ProductionPlan | None
    keep_cost: float
    replan_cost: float


def open_orders(store: Store, plant: Plant, *, limit: int) -> list[ProductionOrder]:
    """Orders in the store that are not done, remaining quantity, earliest due first."""
    products = {p.id for p in plant.products}
    out: list[ProductionOrder] = []
    for r in store.query_orders().to_pylist():
        if r["status"] == "done" or r["product"] not in products:
            continue
        left = int(r["quantity"]) - int(r["good"] or 0)
        if left <= 0 or r["release"] is None or r["due"] is None:
            continue
        out.append(
            ProductionOrder(
                id=str(r["id"]),
                product=str(r["product"]),
                quantity=left,
                release=r["release"].astimezone(UTC),
                due=r["due"].astimezone(UTC),
            )
        )
    out.sort(key=lambda o: (o.due, o.id))
    return out[:limit]


def maintenance_windows(store: Store, plant: Plant, now: datetime) -> list[MaintenanceJob]:
    """Scheduled or running maintenance work orders ending after ``now``, clipped to it."""
    known = {m.id for m in plant.machines()}
    rows = store.query(
        "SELECT id, machine, scheduled_start, scheduled_end, decision_id FROM work_orders"
        " WHERE status IN (?, ?) AND scheduled_start IS NOT NULL AND scheduled_end > ?"
        " ORDER BY scheduled_start, id",
        [WorkOrderStatus.SCHEDULED.value, WorkOrderStatus.IN_PROGRESS.value, now.astimezone(UTC)],
    )
    return [
        MaintenanceJob(
            str(r[1]), max(r[2].astimezone(UTC), now), r[3].astimezone(UTC), str(r[0]), r[4]
        )
        for r in rows
        if r[1] in known
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _order_json(o: ProductionOrder) -> dict[str, Any]:
    return {
        "id": o.id,
        "product": o.product,
        "quantity": o.quantity,
        "release": _iso(o.release),
        "due": _iso(o.due),
        "priority": o.priority,
    }


def _job_json(m: MaintenanceJob) -> dict[str, Any]:
    return {
        "machine": m.machine,
        "start": _iso(m.start),
        "end": _iso(m.end),
        "work_order_id": m.work_order_id,
        "decision_id": m.decision_id,
    }


def rebuild(plant: Plant, stored: ProductionPlan) -> tuple[PlantProblem, Plan]:
    """The problem a stored plan solved and its solution in model time (to validate it)."""
    data = stored.data
    built = _build(
        plant,
        [ProductionOrder.model_validate(o) for o in data["orders"]],
        datetime.fromisoformat(data["origin"]),
        stored.maintenance,
        batch_units=data.get("batch_units"),
        horizon_days=float(data["horizon_days"]),
    )
    jobs = [
        tuple(ScheduledOperation(j, k, int(m), int(s), int(e)) for k, (m, s, e) in enumerate(ops))
        for j, ops in enumerate(data["jobs"])
    ]
    plan = make_plan(built.problem, jobs, str(data.get("solve_status", "feasible")))
    return built, plan


def _build(
    plant: Plant,
    orders: Sequence[ProductionOrder],
    origin: datetime,
    jobs: Sequence[MaintenanceJob],
    *,
    batch_units: int | None,
    horizon_days: float,
) -> PlantProblem:
    downtimes = [Downtime(machine=m.machine, start=m.start, end=m.end) for m in jobs]
    return build_problem(
        plant,
        orders,
        origin,
        downtimes=downtimes,
        batch_units=batch_units,
        horizon_days=horizon_days,
    )


class Planner:
    """Makes and stores production plans of ``plant`` (see the module docstring).

    ``max_orders``: open orders planned at most (earliest due first); ``batch_units``:
    transfer batch size (None: whole orders); ``max_age_h``: an active plan older than this
    (from its axis origin) is replaced by a fresh one; ``solve_s`` / ``reschedule``: search
    time of a fresh solve and the re-scheduling options.
    """

    def __init__(
        self,
        plant: Plant,
        *,
        max_orders: int = 40,
        batch_units: int | None = None,
        horizon_days: float = 21.0,
        max_age_h: float = 24.0,
        solve_s: float = 2.0,
        reschedule_options: RescheduleOptions | None = None,
    ) -> None:
        self.plant = plant
        self.max_orders = max_orders
        self.batch_units = batch_units
        self.horizon_days = horizon_days
        self.max_age_h = max_age_h
        self.solve_s = solve_s
        self.reschedule_options = reschedule_options or RescheduleOptions()

    # -- fresh plans -------------------------------------------------------------------------
    def ensure_plan(self, store: Store, now: datetime) -> ProductionPlan | None:
        """The active plan, made afresh when missing or older than ``max_age_h``."""
        active = current_plan(store)
        if active is not None:
            origin = datetime.fromisoformat(active.data["origin"])
            if now - origin < timedelta(hours=self.max_age_h):
                return active
        plan = self.fresh_plan(store, now, reason="planned from the open orders")
        if plan is None:
            return active
        return activate_plan(store, plan.id, actor="system", now=now)

    def fresh_plan(
        self,
        store: Store,
        now: datetime,
        *,
        reason: str,
        decision_id: str | None = None,
        previous_id: str | None = None,
    ) -> ProductionPlan | None:
        """A new plan of the open orders from ``now`` (stored ``proposed``); None: no orders."""
        orders = open_orders(store, self.plant, limit=self.max_orders)
        if not orders:
            return None
        jobs = maintenance_windows(store, self.plant, now)
        built = _build(
            self.plant,
            orders,
            now,
            jobs,
            batch_units=self.batch_units,
            horizon_days=self.horizon_days,
        )
        plan = solve(built.problem, SolveOptions(time_limit_s=self.solve_s, lns=False))
        return self._store(
            store,
            now,
            built,
            plan,
            orders=orders,
            jobs=jobs,
            reason=reason,
            extra={"decision_id": decision_id, "previous_id": previous_id},
        )

    # -- re-planning -------------------------------------------------------------------------
    def replan(self, store: Store, now: datetime, *, reason: str, decision_id: str) -> Replan:
        """The active plan re-scheduled around every maintenance window, stored ``proposed``.

        Falls back to a fresh plan when there is no active plan or re-scheduling fails.
        """
        previous = current_plan(store)
        jobs = maintenance_windows(store, self.plant, now)
        if previous is not None:
            try:
                return self._reschedule(
                    store, now, previous, jobs, reason=reason, decision_id=decision_id
                )
            except SchedulingError as err:
                log.warning("re-scheduling plan %s failed (%s); planning afresh", previous.id, err)
        plan = self.fresh_plan(
            store,
            now,
            reason=reason,
            decision_id=decision_id,
            previous_id=None if previous is None else previous.id,
        )
        if plan is None:
            raise SchedulingError("no open orders to plan")
        return Replan(plan, previous, 0.0, 0.0)

    def _reschedule(
        self,
        store: Store,
        now: datetime,
        previous: ProductionPlan,
        jobs: list[MaintenanceJob],
        *,
        reason: str,
        decision_id: str,
    ) -> Replan:
        data = previous.data
        origin = datetime.fromisoformat(data["origin"])
        old_orders = [ProductionOrder.model_validate(o) for o in data["orders"]]
        known = {o.id for o in old_orders}
        room = max(0, self.max_orders - len(old_orders))
        new_orders = [o for o in open_orders(store, self.plant, limit=10_000) if o.id not in known][
            :room
        ]
        horizon = float(data["horizon_days"])
        batch = data.get("batch_units")
        built = _build(
            self.plant,
            [*old_orders, *new_orders],
            origin,
            jobs,
            batch_units=batch,
            horizon_days=horizon,
        )
        _, old_plan = rebuild(self.plant, previous)
        k = len(old_plan.jobs)
        p = built.problem
        base = Problem(
            p.jobs[:k],
            p.n_machines,
            p.machine_names,
            p.unavailable,
            p.setup_matrix,
            p.crew_capacity,
            p.objective,
        )
        events = [RushOrder(job=j) for j in p.jobs[k:]]
        now_model = built.axis.to_model(now)
        result = reschedule(base, old_plan, events, now_model, self.reschedule_options)
        built = PlantProblem(result.problem, built.axis, built.jobs, built.machine_ids)
        moves = self._moves(built, result.diff.changes, old_plan, jobs)
        new_plan = result.plan
        rate = self.plant.costs.downtime_per_h
        keep_min = _collisions(old_plan, base)
        delay_min = _delay(base, old_plan, new_plan, k)
        moved = result.diff.moved
        changed = result.diff.machine_changes
        added = len(result.diff.changes) - moved
        extra = {
            "decision_id": decision_id,
            "previous_id": previous.id,
            "moves": [_move_json(m) for m in moves],
            "diff": {
                "moved": moved,
                "machine_changes": changed,
                "added": added,
                "frozen": result.diff.frozen,
                "total": result.diff.total,
            },
            "summary_en": (
                f"{moved} of {result.diff.total} operations moved ({changed} to another "
                f"machine), {added} added, {result.diff.frozen} frozen"
            ),
            "summary_ko": (
                f"작업 {result.diff.total}건 중 {moved}건 이동(다른 설비로 {changed}건), "
                f"{added}건 추가, {result.diff.frozen}건 고정"
            ),
        }
        stored = self._store(
            store,
            now,
            built,
            new_plan,
            orders=[*old_orders, *new_orders],
            jobs=jobs,
            reason=reason,
            extra=extra,
            origin=origin,
            horizon_days=horizon,
            batch_units=batch,
        )
        return Replan(stored, previous, rate * keep_min / 60.0, rate * delay_min / 60.0)

    def _moves(
        self,
        built: PlantProblem,
        changes: Sequence[Any],
        old: Plan,
        jobs: Sequence[MaintenanceJob],
    ) -> list[PlanMove]:
        windows = [
            (
                built.machine_index(j.machine),
                built.axis.to_model(j.start),
                built.axis.to_model(j.end),
                j,
            )
            for j in jobs
        ]
        out: list[PlanMove] = []
        for c in changes:
            ref = built.jobs[c.job]
            why = c.reason
            if c.old_start is None:
                why = "new order"
            else:
                before = old.jobs[c.job][c.step]
                for m, s, e, job in windows:
                    if m == before.machine and s < before.end and e > before.start:
                        why = f"maintenance of {job.machine} from {job.start:%Y-%m-%d %H:%M} UTC"
                        break
            out.append(
                PlanMove(
                    order=ref.order,
                    batch=ref.batch,
                    operation=ref.operations[c.step],
                    old_machine=None if c.old_machine is None else built.machine_ids[c.old_machine],
                    new_machine=built.machine_ids[c.new_machine],
                    old_start=None if c.old_start is None else built.axis.to_datetime(c.old_start),
                    new_start=built.axis.to_datetime(c.new_start),
                    reason=why,
                )
            )
        return out

    # -- storing -----------------------------------------------------------------------------
    def _store(
        self,
        store: Store,
        now: datetime,
        built: PlantProblem,
        plan: Plan,
        *,
        orders: Sequence[ProductionOrder],
        jobs: Sequence[MaintenanceJob],
        reason: str,
        extra: dict[str, Any],
        origin: datetime | None = None,
        horizon_days: float | None = None,
        batch_units: int | None = None,
    ) -> ProductionPlan:
        plan_id = "P-" + uuid.uuid4().hex[:10].upper()
        data: dict[str, Any] = {
            "origin": _iso(origin or now),
            "horizon_days": horizon_days or self.horizon_days,
            "batch_units": batch_units if origin is not None else self.batch_units,
            "orders": [_order_json(o) for o in orders],
            "maintenance": [_job_json(j) for j in jobs],
            "jobs": [[[o.machine, o.start, o.end] for o in ops] for ops in plan.jobs],
            "solve_status": plan.status,
            "makespan": plan.makespan,
            "weighted_tardiness": plan.weighted_tardiness,
            "operations": [r.model_dump(mode="json") for r in plan_rows(built, plan)],
            **extra,
        }
        at = now.astimezone(UTC)
        last = store.query("SELECT MAX(created) FROM plans WHERE kind = ?", [PLAN_KIND])
        if last and last[0][0] is not None and last[0][0] >= at:  # keep history in order
            at = last[0][0].astimezone(UTC) + timedelta(microseconds=1)
        store.execute_all(
            [
                (
                    "INSERT INTO plans (id, created, kind, status, reason, data)"
                    " VALUES (?, ?, ?, 'proposed', ?, ?)",
                    [plan_id, at, PLAN_KIND, reason, json.dumps(data, default=str)],
                ),
                entry("system", "plan.create", plan_id, {"reason": reason}, ts=at),
            ]
        )
        return get_plan(store, plan_id)


def _move_json(m: PlanMove) -> dict[str, Any]:
    return {
        "order": m.order,
        "batch": m.batch,
        "operation": m.operation,
        "old_machine": m.old_machine,
        "new_machine": m.new_machine,
        "old_start": _iso(m.old_start),
        "new_start": _iso(m.new_start),
        "reason": m.reason,
    }


def _collisions(plan: Plan, problem: Problem) -> int:
    """Model minutes of ``plan``'s operations inside ``problem``'s unavailability windows."""
    total = 0
    for o in plan.operations():
        for w in problem.unavailable:
            if w.machine == o.machine:
                total += max(0, min(o.end, w.end) - max(o.start, w.start))
    return total


def _delay(problem: Problem, old: Plan, new: Plan, k: int) -> int:
    """Minutes of weighted tardiness and makespan the new plan adds to the first ``k`` jobs."""
    tardy = 0
    for j in range(k):
        job = problem.jobs[j]
        if job.due is None:
            continue
        late_old = max(0, old.job_end(j) - job.due)
        late_new = max(0, new.job_end(j) - job.due)
        tardy += job.weight * (late_new - late_old)
    span_old = max((old.job_end(j) for j in range(k)), default=0)
    span_new = max((new.job_end(j) for j in range(k)), default=0)
    return max(0, tardy) + max(0, span_new - span_old)
