"""The decision engine: live RUL readings in, maintenance decisions and re-plans out.

Every ``interval_s`` seconds of its clock (a simulated clock in the demo), :meth:`step`:

1. expires stale proposals (:func:`~smartfactory.decisions.service.expire_stale`, at most
   once per ``expire_every_s``) and makes sure there is an active production plan
   (:meth:`~smartfactory.decisions.planning.Planner.ensure_plan`);
2. reads every machine's health (a :class:`~smartfactory.maintenance.live.LiveMaintenance`,
   any object with the same ``readings()``, or a store with the derived signals it wrote);
3. for each machine with a fresh, well-formed RUL reading (median with its 10 % / 90 %
   bounds) and no maintenance already in flight, turns the interval into RUL samples
   (:func:`~smartfactory.decisions.policy.samples_from_quantiles`), lists candidate windows
   from the shift calendar and the active plan (:func:`~smartfactory.decisions.policy.
   free_windows`: off shift, breaks, idle time between planned operations, plus the earliest
   start during production), costs each by the production it stops
   (:func:`~smartfactory.decisions.policy.overlap_h`) and lets
   :func:`~smartfactory.decisions.policy.decide` choose;
4. when maintaining before failure pays (benefit rate > 0) and the chosen window starts
   within ``act_within_h``, proposes a maintenance decision for the machine's line
   (:func:`~smartfactory.decisions.service.propose` with :meth:`appliers`, so an applied one,
   autonomous or approved later, creates its work order and re-plans production).

Money in the proposal: the renewal-reward cost rates of
:mod:`~smartfactory.decisions.policy.expected_cost` are turned into money over the chosen
alternative's expected cycle (``elapsed + E[min(R, t)]`` hours), so the chosen alternative's
expected cost is exactly its expected cycle cost ``C_p P(R > t) + C_f P(R <= t)`` and every
other alternative, run to failure included, is costed over the same hours at its own rate.
The expected benefit is run to failure's cost less the chosen one's.

A machine is skipped while a maintenance decision for it is proposed or approved, or applied
with its work order not yet done or cancelled, and while it has an open, scheduled or
running preventive or predictive work order: repeated steps propose nothing twice. A reading
without RUL (the model still warming up) is passed over; a malformed one (negative or
non-finite figures, bounds out of order) is logged, counted in ``skipped`` and skipped; one
older than ``max_age_s`` (a night off shift is fine) is counted in ``stale``. An error while
deciding for one machine is logged and counted in ``errors`` and the other machines go on.
:meth:`start` runs the steps in a background thread (which never dies of an error) until
:meth:`stop`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from smartfactory.decisions import service
from smartfactory.decisions.explain import ExplanationInputs
from smartfactory.decisions.log import (
    Alternative,
    Decision,
    DecisionKind,
    DecisionStatus,
    Proposal,
    WorkOrderSpec,
)
from smartfactory.decisions.planning import Planner, ProductionPlan
from smartfactory.decisions.policy import (
    MaintenanceCosts,
    Window,
    decide,
    free_windows,
    overlap_h,
    samples_from_quantiles,
)
from smartfactory.decisions.replanning import app_appliers
from smartfactory.decisions.scheduling import TimeAxis
from smartfactory.decisions.service import Applier
from smartfactory.decisions.workorders import WorkOrderKind, WorkOrderStatus
from smartfactory.domain import Plant
from smartfactory.errors import FactoryError
from smartfactory.maintenance.live import LiveReading
from smartfactory.maintenance.service import MachineHealth, RULRange, plant_health
from smartfactory.store.base import Store

__all__ = ["DecisionEngine", "HealthSource", "candidate_windows"]

log = logging.getLogger(__name__)

_NOTES = {
    "no_shift": ("outside shift hours", "교대 시간 외"),
    "break": ("during a break", "휴식 시간 중"),
    "idle": ("in idle time of the production plan", "생산 계획의 유휴 시간에"),
    "production": ("during production", "생산 중"),
}


class HealthSource(Protocol):
    """What the engine reads health from: ``LiveMaintenance`` has this method."""

    def readings(self) -> Sequence[LiveReading]:
        """The latest reading of every machine."""
        ...


def _health(source: HealthSource | Store) -> list[MachineHealth]:
    if isinstance(source, Store):
        return plant_health(source)
    out = []
    for r in source.readings():
        rul = None
        if r.rul_h is not None:
            low = r.rul_h if r.rul_h_p10 is None else r.rul_h_p10
            high = r.rul_h if r.rul_h_p90 is None else r.rul_h_p90
            rul = RULRange(r.rul_h, low, high)
        out.append(
            MachineHealth(
                r.machine,
                r.health,
                r.anomaly_score,
                r.alert,
                r.contributions,
                rul,
                r.model_version,
                r.updated,
            )
        )
    return out


def candidate_windows(
    work: Sequence[tuple[float, float]],
    busy: Sequence[tuple[float, float]] | None,
    *,
    horizon_h: float,
    duration_h: float,
    lead_h: float = 0.0,
    every_h: float = 8.0,
    limit: int = 400,
) -> list[Window]:
    """Candidate job windows (hours from now) long enough for the job, earliest first.

    The off-shift, break and idle windows of :func:`free_windows` (clipped to start at
    ``lead_h``; a window longer than ``every_h`` offers a start every ``every_h``, so a
    long idle stretch does not hide the later, cheaper starts), plus a ``production`` window
    at the first working instant from ``lead_h`` (the job then stops production: for risks
    that cannot wait).
    """
    out: dict[float, Window] = {}
    for w in free_windows(horizon_h, work, busy, min_h=duration_h):
        start = max(w.start_h, lead_h)
        while w.end_h - start >= duration_h and start < horizon_h:
            out.setdefault(round(start, 6), Window(start, w.end_h, w.kind))
            start += every_h
    for s, e in sorted(work):
        start = max(s, lead_h)
        if start < e and start < horizon_h:
            out.setdefault(round(start, 6), Window(start, start + duration_h, "production"))
            break
    return sorted(out.values(), key=lambda w: w.start_h)[:limit]


def _money(costs: MaintenanceCosts, cycle_h: float) -> Callable[[float], float]:
    """Cost rate -> money over ``cycle_h`` hours (an infinite rate: one breakdown)."""

    def money(rate: float) -> float:
        if not math.isfinite(rate):
            return round(costs.failure_total(), 2)
        return round(rate * cycle_h, 2)

    return money


class DecisionEngine:
    """Proposes maintenance from live RUL and re-plans production (module docstring).

    ``clock`` gives "now" (the simulator's ``now`` in the demo); ``interval_s`` is in the
    clock's seconds; ``scope_of`` maps a machine id to its autonomy scope (default: its
    line). ``horizon_h``: how far windows are searched; ``act_within_h``: a decision is
    proposed only when its chosen window starts within this many hours; ``lead_h``: no
    window starts earlier; ``max_age_s``: older readings are stale; ``n_samples``: RUL draws;
    ``max_windows``: candidates at most; ``expire_every_s``: clock seconds between expiries
    of stale proposals; ``wall_poll_s``: how often (wall seconds) the thread reads the clock.
    """

    def __init__(
        self,
        store: Store,
        plant: Plant,
        health_source: HealthSource | Store,
        *,
        clock: Callable[[], datetime],
        interval_s: float = 900.0,
        scope_of: Callable[[str], str] | None = None,
        planner: Planner | None = None,
        horizon_h: float = 168.0,
        act_within_h: float = 48.0,
        lead_h: float = 0.0,
        max_age_s: float = 16 * 3600.0,
        n_samples: int = 200,
        max_windows: int = 400,
        expire_every_s: float = 3600.0,
        wall_poll_s: float = 0.2,
    ) -> None:
        self.store = store
        self.plant = plant
        self.health_source = health_source
        self.clock = clock
        self.interval_s = interval_s
        self.scope_of = scope_of
        self.planner = planner if planner is not None else Planner(plant)
        self.horizon_h = horizon_h
        self.act_within_h = act_within_h
        self.lead_h = lead_h
        self.max_age_s = max_age_s
        self.n_samples = n_samples
        self.max_windows = max_windows
        self.expire_every_s = expire_every_s
        self.wall_poll_s = wall_poll_s
        self._appliers = app_appliers(self.planner)
        self._lines = {m.id: line.id for _, line in plant.lines() for m in line.machines}
        self._costs = {m.id: self._machine_costs(m.id) for m in plant.machines()}
        self._last_step: datetime | None = None
        self._last_expiry: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0
        self.proposed = 0
        self.skipped = 0
        self.stale = 0
        self.errors = 0

    # -- wiring ------------------------------------------------------------------------------
    def appliers(self) -> Mapping[DecisionKind, Applier]:
        """The appliers to pass to ``service.approve`` / ``undo`` (they re-plan production)."""
        return self._appliers

    def scope(self, machine: str) -> str:
        """The autonomy scope of ``machine``."""
        return self.scope_of(machine) if self.scope_of is not None else self._lines[machine]

    def _machine_costs(self, machine_id: str) -> MaintenanceCosts:
        machine = self.plant.machine(machine_id)
        cycles = [
            s.ideal_cycle_s * machine.behaviour.speed_factor
            for p in self.plant.products
            for s in p.routing
            if machine_id in s.machines
        ]
        return MaintenanceCosts.for_machine(
            self.plant.costs,
            machine.behaviour,
            crews=self.plant.maintenance.crews,
            units_per_h=3600.0 / float(np.mean(cycles)) if cycles else 0.0,
        )

    # -- thread ------------------------------------------------------------------------------
    def start(self) -> None:
        """Run :meth:`step` every ``interval_s`` of the clock in a thread, until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="decision-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """End the thread after its current step."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                now = self.clock()
                due = self._last_step is None or (now - self._last_step).total_seconds() >= (
                    self.interval_s
                )
                if due:
                    self.step(now)
            except Exception:  # the thread must outlive any one bad step
                self.errors += 1
                log.exception("decision engine step failed")
            self._stop.wait(self.wall_poll_s)

    # -- one step ----------------------------------------------------------------------------
    def step(self, now: datetime) -> list[Decision]:
        """Decide once for every machine at ``now``; the decisions proposed."""
        now = now.astimezone(UTC)
        self._last_step = now
        self.steps += 1
        self._housekeeping(now)
        try:
            plan = self.planner.ensure_plan(self.store, now)
        except FactoryError as err:
            self.errors += 1
            log.warning("no production plan at %s: %s", now, err)
            plan = None
        try:
            healths = _health(self.health_source)
        except FactoryError as err:
            self.errors += 1
            log.warning("reading health failed: %s", err)
            return []
        pending = self._pending()
        out: list[Decision] = []
        for h in healths:
            if h.machine not in self._lines or h.machine in pending:
                continue
            if h.rul is None:  # the model is still warming up
                continue
            problem = self._problem(h, now)
            if problem:
                if problem == "stale":
                    self.stale += 1
                    log.debug("skipping the reading of %s: stale", h.machine)
                else:
                    self.skipped += 1
                    log.warning("skipping the reading of %s: %s", h.machine, problem)
                continue
            try:
                proposal = self.propose_for(h, now, plan)
                if proposal is None:
                    continue
                decision = service.propose(self.store, proposal, now, appliers=self._appliers)
            except (FactoryError, ValueError, KeyError) as err:
                self.errors += 1
                log.warning("deciding for %s failed: %s", h.machine, err)
                continue
            self.proposed += 1
            out.append(decision)
        return out

    def _housekeeping(self, now: datetime) -> None:
        if self._last_expiry is not None and (now - self._last_expiry).total_seconds() < (
            self.expire_every_s
        ):
            return
        self._last_expiry = now
        try:
            service.expire_stale(self.store, now)
        except FactoryError as err:
            self.errors += 1
            log.warning("expiring stale decisions failed: %s", err)

    def _problem(self, h: MachineHealth, now: datetime) -> str:
        """What is wrong with a reading that has an RUL ("" when nothing)."""
        assert h.rul is not None  # noqa: S101 - checked by the caller
        values = (h.rul.median_h, h.rul.p10_h, h.rul.p90_h)
        if not all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in values):
            return f"RUL figures must be finite and non-negative, got {values}"
        if not (h.rul.p10_h <= h.rul.median_h <= h.rul.p90_h):
            return f"RUL bounds out of order: {values} (median, p10, p90)"
        age = (now - h.updated.astimezone(UTC)).total_seconds()
        if not -self.max_age_s <= age <= self.max_age_s:
            return "stale"
        return ""

    def _pending(self) -> set[str]:
        """Machines with a maintenance decision or maintenance work order in flight."""
        rows = self.store.query(
            "SELECT d.machine, d.status, w.status FROM decisions d"
            " LEFT JOIN work_orders w ON w.decision_id = d.id"
            " WHERE d.kind = ? AND d.status IN (?, ?, ?)",
            [
                DecisionKind.MAINTENANCE.value,
                DecisionStatus.PROPOSED.value,
                DecisionStatus.APPROVED.value,
                DecisionStatus.APPLIED.value,
            ],
        )
        final = {WorkOrderStatus.DONE.value, WorkOrderStatus.CANCELLED.value}
        busy = {
            str(m)
            for m, status, wo in rows
            if m is not None and (status != DecisionStatus.APPLIED.value or wo not in final)
        }
        orders = self.store.query(
            "SELECT DISTINCT machine FROM work_orders WHERE status IN (?, ?, ?) AND kind IN (?, ?)",
            [
                WorkOrderStatus.OPEN.value,
                WorkOrderStatus.SCHEDULED.value,
                WorkOrderStatus.IN_PROGRESS.value,
                WorkOrderKind.PREVENTIVE.value,
                WorkOrderKind.PREDICTIVE.value,
            ],
        )
        return busy | {str(r[0]) for r in orders}

    # -- the decision for one machine --------------------------------------------------------
    def propose_for(
        self, h: MachineHealth, now: datetime, plan: ProductionPlan | None
    ) -> Proposal | None:
        """The maintenance proposal for one reading, or None when acting does not pay yet."""
        assert h.rul is not None  # noqa: S101 - checked by step
        costs = self._costs[h.machine]
        duration = costs.preventive_h
        hours = self._hours(now)
        axis = TimeAxis.from_calendar(self.plant.site.calendar, now, self.horizon_h / 24.0)
        work = [(hours(s), hours(e)) for s, e in axis.segments]
        busy = None
        if plan is not None:
            busy = [
                (hours(o.start), hours(o.end)) for o in plan.operations if o.machine == h.machine
            ]
        windows = candidate_windows(
            work,
            busy,
            horizon_h=self.horizon_h,
            duration_h=duration,
            lead_h=self.lead_h,
            limit=self.max_windows,
        )
        if not windows:
            return None
        starts = np.array([w.start_h for w in windows], dtype=np.float64)
        lost = overlap_h(starts, starts + duration, busy if busy is not None else work)
        labels: list[str] = []
        for w in windows:
            label = self._label(w, now)
            labels.append(label if label not in labels else f"{label} #{len(labels)}")
        candidates = [
            (lab, w.start_h, float(x)) for lab, w, x in zip(labels, windows, lost, strict=True)
        ]
        samples = samples_from_quantiles(
            [0.1, 0.5, 0.9], [h.rul.p10_h, h.rul.median_h, h.rul.p90_h], self.n_samples
        )
        elapsed = self._elapsed_h(h.machine, now)
        result = decide(samples, candidates, costs, elapsed_h=elapsed)
        chosen = result.chosen
        if (
            math.isinf(chosen.time_h)
            or result.benefit_rate <= 0
            or chosen.time_h > self.act_within_h
        ):
            return None
        index = labels.index(chosen.label)
        window = windows[index]
        start = now + timedelta(hours=window.start_h)
        end = start + timedelta(hours=duration)
        cycle_h = elapsed + float(np.mean(np.minimum(samples, chosen.time_h)))
        money = _money(costs, cycle_h)
        considered = [
            Alternative(
                a.label,
                money(a.cost_rate),
                now + timedelta(hours=a.time_h),
                now + timedelta(hours=a.time_h + duration),
                f"{windows[i].kind}: P(failure before) {a.failure_probability:.0%}, "
                f"production lost {float(lost[i]):.1f} h",
            )
            for i, a in enumerate(result.alternatives)
        ]
        rtf = Alternative(
            "run_to_failure",
            money(result.run_to_failure.cost_rate),
            None,
            None,
            "no preventive job: repair after the breakdown",
        )
        alternatives = (*considered, rtf)
        benefit = money(result.run_to_failure.cost_rate) - money(chosen.cost_rate)
        note_en, note_ko = _NOTES.get(window.kind, ("", ""))
        tz = self.plant.site.calendar.timezone
        return Proposal(
            kind=DecisionKind.MAINTENANCE,
            scope=self.scope(h.machine),
            machine=h.machine,
            inputs=self._inputs(
                h,
                costs,
                elapsed=elapsed,
                benefit_rate=result.benefit_rate,
                failure_probability=chosen.failure_probability,
                window=window,
                lost=float(lost[index]),
                cycle_h=cycle_h,
            ),
            alternatives=alternatives,
            chosen=chosen.label,
            expected_benefit=round(benefit, 2),
            explanation=ExplanationInputs(
                component="machine",
                rul_median_h=h.rul.median_h,
                rul_low_h=h.rul.p10_h,
                rul_high_h=h.rul.p90_h,
                interval=0.8,
                note_en=note_en,
                note_ko=note_ko,
                timezone=tz,
                currency=self.plant.costs.currency,
            ),
            work_order=WorkOrderSpec(
                title=f"{h.machine}: predictive maintenance (RUL {h.rul.median_h:.0f} h)",
                kind=WorkOrderKind.PREDICTIVE,
                priority=1 if h.rul.p10_h <= window.start_h + duration else 2,
                due=end,
            ),
        )

    def _inputs(
        self,
        h: MachineHealth,
        costs: MaintenanceCosts,
        *,
        elapsed: float,
        benefit_rate: float,
        failure_probability: float,
        window: Window,
        lost: float,
        cycle_h: float,
    ) -> dict[str, Any]:
        assert h.rul is not None  # noqa: S101 - checked by step
        return {
            "health": round(h.health, 3),
            "anomaly_score": round(h.anomaly_score, 3),
            "model_version": h.model_version,
            "reading_at": h.updated.astimezone(UTC).isoformat(),
            "rul_h": {"p10": h.rul.p10_h, "p50": h.rul.median_h, "p90": h.rul.p90_h},
            "costs": costs.model_dump(),
            "preventive_total": costs.preventive_total(lost),
            "failure_total": costs.failure_total(),
            "elapsed_h": round(elapsed, 2),
            "benefit_rate_per_h": round(benefit_rate, 4),
            "cycle_h": round(cycle_h, 3),
            "failure_probability": round(failure_probability, 4),
            "window": {
                "kind": window.kind,
                "start_h": round(window.start_h, 3),
                "end_h": round(window.end_h, 3),
                "production_lost_h": round(float(lost), 3),
            },
        }

    @staticmethod
    def _hours(now: datetime) -> Callable[[datetime], float]:
        return lambda t: (t - now).total_seconds() / 3600.0

    def _label(self, window: Window, now: datetime) -> str:
        local = (now + timedelta(hours=window.start_h)).astimezone(
            ZoneInfo(self.plant.site.calendar.timezone)
        )
        return f"maintain {window.kind} {local:%m-%d %H:%M}"

    def _elapsed_h(self, machine: str, now: datetime) -> float:
        """Hours since the machine's last completed maintenance work order (0 if none)."""
        rows = self.store.query(
            "SELECT MAX(closed) FROM work_orders WHERE machine = ? AND status = ?",
            [machine, WorkOrderStatus.DONE.value],
        )
        last: datetime | None = rows[0][0] if rows else None
        if last is None:
            return 0.0
        return max(0.0, (now - last.astimezone(UTC)).total_seconds() / 3600.0)
