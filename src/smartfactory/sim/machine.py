"""One machine as a SimPy process that produces in vectorised segments.

The process loop decides what the machine does next - off shift, break, repair, preventive
maintenance, idle/starved, setup, or production - and waits with one timeout per decision.
Production of a job never schedules an event per part: when the job is taken up, the cycle
times of all its units are drawn at once (gamma distributed, mean ideal x speed_factor,
coefficient of variation ``cycle_cv``) and cumulated. A segment then runs until the earliest
of: the job's last unit, the end of the work slot (shift end or break), the next micro-stop,
the wear path crossing 1 (failure), preventive maintenance falling due, or a checkpoint
interrupt at the end of a run. Every unit finishing inside the segment is completed at once;
scrap is one uniform draw per unit against base + gain x D^2 with D at the unit's finish time.

Maintenance crews are a shared ``simpy.PreemptiveResource``: repairs ask with priority 0 and
pre-empt preventive work (priority 1), which then waits for a crew again for its remaining
time. While waiting for a crew a failed machine is UNPLANNED_STOP ``breakdown`` and a machine
due for maintenance is PLANNED_STOP ``preventive_maintenance``. Repairs and maintenance go on
across shift ends (crews work around the clock). Wear only grows while producing.

With an empty queue a machine is STARVED while jobs that will need it are still upstream,
else IDLE (see :mod:`smartfactory.sim.orders`).
"""

from __future__ import annotations

import heapq
import math
import threading
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import simpy

from smartfactory.domain.assets import Machine
from smartfactory.domain.states import MachineState
from smartfactory.errors import SimulationError
from smartfactory.sim.degradation import Wear
from smartfactory.sim.live import ShiftTracker
from smartfactory.sim.orders import Job, Shop
from smartfactory.sim.recorder import Interval, Recorder
from smartfactory.sim.timeline import Slot, Timeline

__all__ = ["Context", "MachineSim", "Segment"]

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9
_REPAIR, _PREVENTIVE = 0, 1


@dataclass(slots=True)
class Context:
    """What every machine process shares."""

    env: simpy.Environment
    timeline: Timeline
    crews: simpy.PreemptiveResource
    recorder: Recorder
    lock: threading.Lock
    shop: Shop | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A running production segment, for live interpolation."""

    t0: float
    t1: float
    d0: float
    d1: float
    finish: FloatArray
    scrap: npt.NDArray[np.bool_]
    ideal: float


@dataclass(slots=True)
class Totals:
    """Cumulative figures of one machine over the whole run."""

    state_s: list[float] = field(default_factory=lambda: [0.0] * len(MachineState))
    reason_s: dict[str, float] = field(default_factory=dict)
    ideal_s: float = 0.0
    good: int = 0
    scrap: int = 0
    failures: int = 0
    repairs: int = 0
    preventive: int = 0
    crew_s: float = 0.0


class MachineSim:
    """The simulated behaviour of one machine (see the module docstring)."""

    def __init__(
        self,
        *,
        index: int,
        machine: Machine,
        line: str,
        ctx: Context,
        wear: Wear,
        rng: np.random.Generator,
        policy_driven: bool = False,
    ) -> None:
        self.index = index
        self.policy_driven = policy_driven
        self.machine = machine
        self.id = machine.id
        self.line = line
        self.ctx = ctx
        self.wear = wear
        self.rng = rng
        self.b = machine.behaviour
        self.tracker = ShiftTracker(ctx.timeline)
        self.totals = Totals()
        # live state (written under ctx.lock)
        self.state = MachineState.UNKNOWN
        self.since = 0.0
        self.reason = ""
        self.order = ""
        self.product = ""
        self.degradation = wear.level()
        self.segment: Segment | None = None
        self._pos0 = wear.position()
        # production
        self.ph = 0.0
        self.next_micro_ph = self._micro_gap()
        pm = self.b.preventive.interval_h
        self.pm_due_ph = pm * float(rng.uniform(0.0, 1.0)) if pm is not None else math.inf
        if policy_driven:
            self.pm_due_ph = math.inf  # a maintenance policy plans the jobs (:meth:`plan`)
        self.pm_window = False
        self.ph_repair = 0.0
        self.ph_maintenance = 0.0
        self.failed = False
        self.queue: list[tuple[tuple[int, float, int], Job]] = []
        self.job: Job | None = None
        self.backlog_s = 0.0
        self.setup_key: tuple[str, str] | None = None
        self.setup_left = 0.0
        self._cum: FloatArray = np.zeros(0)
        self._pc = 0.0
        self._next_unit = 0
        self._wake: simpy.Event | None = None
        self.in_segment = False
        self.seg_start = 0.0
        self.process = ctx.env.process(self._run())

    # -- shop interface ---------------------------------------------------------------------
    def enqueue(self, job: Job) -> None:
        """Queue a job and wake the machine if it waits for work."""
        heapq.heappush(self.queue, (job.key, job))
        self.backlog_s += job.qty * job.routing_step.ideal_cycle_s
        self._poke()

    def upstream_changed(self) -> None:
        """Re-decide between IDLE and STARVED."""
        self._poke()

    def plan(self, next_window: bool, due_h: float) -> None:
        """A policy's plan: maintain in the next window long enough, and/or after ``due_h``.

        ``due_h`` is in producing hours from now (0: now, ``inf``: no deadline). A running
        production segment that would pass the deadline is cut short (committed) at once.
        """
        self.pm_window = next_window
        due = self.ph + max(due_h, 0.0)
        self.pm_due_ph = due
        if self.failed:
            return
        seg = self.segment
        if self.in_segment and seg is not None:
            if due < self.ph + (seg.t1 - seg.t0) / 3600.0 - _EPS:
                self.in_segment = False  # no second interrupt before this one is handled
                self.process.interrupt("plan")
        elif due <= self.ph + _EPS or next_window:
            self._poke()

    def _poke(self) -> None:
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()

    def _shop(self) -> Shop:
        if self.ctx.shop is None:
            raise SimulationError("machine used before the shop was wired")
        return self.ctx.shop

    # -- bookkeeping ---------------------------------------------------------------------------
    def _micro_gap(self) -> float:
        rate = self.b.micro_stops.rate_per_h
        return float(self.rng.exponential(1.0 / rate)) if rate > 0 else math.inf

    def open_interval(self, now: float) -> Interval:
        """The current, not yet closed, state interval up to ``now``."""
        return (
            self.since,
            now,
            int(self.state),
            self.reason,
            self.order,
            self.product,
            self._pos0,
            self.wear.position(),
        )

    def _become(self, state: MachineState, reason: str = "", job: Job | None = None) -> None:
        order = job.order.id if job is not None else ""
        product = job.order.product.id if job is not None else ""
        if (state, reason, order, product) == (self.state, self.reason, self.order, self.product):
            return
        now = self.ctx.env.now
        if now > self.since:
            self.ctx.recorder.interval(self.index, self.open_interval(now))
            self.totals.state_s[self.state] += now - self.since
            if self.reason:
                r = self.totals.reason_s
                r[self.reason] = r.get(self.reason, 0.0) + now - self.since
            with self.ctx.lock:
                self.tracker.add_time(self.state, self.since, now)
        with self.ctx.lock:
            self.state, self.reason, self.order, self.product = state, reason, order, product
            self.since = now
        self._pos0 = self.wear.position()

    # -- the process -------------------------------------------------------------------------
    def _run(self) -> Generator[simpy.Event, object, None]:
        env = self.ctx.env
        while True:
            now = env.now
            if self.failed:
                yield from self._repair()
                continue
            slot, slot_end, _ = self.ctx.timeline.at(now)
            if slot != Slot.WORK:
                yield from self._off_slot(slot, slot_end)
                continue
            if self.ph >= self.pm_due_ph - _EPS:
                yield from self._preventive()
                continue
            job = self.job if self.job is not None else self._take()
            if job is None:
                starved = self._shop().upstream[self.id] > 0
                if starved:
                    self._become(MachineState.STARVED, "starved_upstream")
                else:
                    self._become(MachineState.IDLE)
                self._wake = env.event()
                yield self._wake | env.timeout(slot_end - now)
                self._wake = None
                continue
            if self.setup_left > _EPS:
                self._become(MachineState.SETUP, "changeover", job)
                dt = min(self.setup_left, slot_end - now)
                yield env.timeout(dt)
                self.setup_left -= dt
                continue
            yield from self._produce(job, slot_end)

    def _off_slot(self, slot: Slot, slot_end: float) -> Generator[simpy.Event, object, None]:
        """Off shift or a break: a planned preventive job if it fits, else wait it out."""
        env = self.ctx.env
        now = env.now
        if self.pm_window and slot_end - now >= self.b.preventive.duration_h * 3600 - _EPS:
            yield from self._preventive()
            return
        if slot == Slot.OFF:
            self._become(MachineState.NO_SHIFT)
        else:
            self._become(MachineState.PLANNED_STOP, "break")
        if self.policy_driven:
            self._wake = env.event()  # a plan made off shift may start the job now
            yield self._wake | env.timeout(slot_end - now)
            self._wake = None
        else:
            yield env.timeout(slot_end - now)

    def _take(self) -> Job | None:
        if not self.queue:
            return None
        _, job = heapq.heappop(self.queue)
        self._shop().start(job)
        step = job.routing_step
        key = (job.order.product.id, step.operation)
        if key != self.setup_key:
            self.setup_left = step.setup_min * 60.0
            self.setup_key = key
        mean = step.ideal_cycle_s * self.b.speed_factor
        cv = self.b.cycle_cv
        if cv > 0:
            cycles = self.rng.gamma(1.0 / cv**2, mean * cv**2, job.qty)
        else:
            cycles = np.full(job.qty, mean)
        self._cum = np.cumsum(cycles)
        self._pc = 0.0
        self._next_unit = 0
        self.job = job
        return job

    def _produce(self, job: Job, slot_end: float) -> Generator[simpy.Event, object, None]:
        env = self.ctx.env
        now = env.now
        dt = min(
            float(self._cum[-1]) - self._pc,
            slot_end - now,
            (self.next_micro_ph - self.ph) * 3600.0,
            self.wear.hours_to_failure() * 3600.0,
            (self.pm_due_ph - self.ph) * 3600.0,
        )
        dt = max(dt, 0.0)
        step = job.routing_step
        self._become(MachineState.PRODUCING, "", job)
        i0 = self._next_unit
        i1 = int(np.searchsorted(self._cum, self._pc + dt + _EPS, side="right"))
        finish = now + (self._cum[i0:i1] - self._pc)
        d = self.wear.ahead((finish - now) / 3600.0)
        p = self.b.scrap.base_rate + self.b.scrap.degradation_gain * d * d
        scrap = self.rng.random(finish.size) < p
        d0 = self.wear.level()
        d1 = float(d[-1]) if finish.size else d0
        with self.ctx.lock:
            self.segment = Segment(now, now + dt, d0, d1, finish, scrap, step.ideal_cycle_s)
        self.in_segment = True
        self.seg_start = now
        interrupted = False
        try:
            yield env.timeout(dt)
        except simpy.Interrupt:
            interrupted = True  # a checkpoint: commit what is done so far
        self.in_segment = False
        end = env.now
        elapsed = min(end - now, dt) if interrupted else dt
        if interrupted:
            k = int(np.searchsorted(finish, end, side="right"))
            finish, scrap = finish[:k], scrap[:k]
        self._commit(job, finish, scrap, elapsed)
        if interrupted:
            return
        if self._next_unit >= self._cum.size:
            self.job = None
            self._shop().finish(job, end)
        if self.wear.hours_to_failure() <= _EPS:
            self.failed = True
            self.totals.failures += 1
            self.ctx.recorder.event(
                end, "failure", self.id, f"{self.id} broke down", degradation=self.wear.level()
            )
            return
        if self.next_micro_ph - self.ph <= _EPS:
            self.next_micro_ph = self.ph + self._micro_gap()
            self._become(MachineState.UNPLANNED_STOP, "micro_stop", self.job)
            yield env.timeout(float(self.rng.exponential(self.b.micro_stops.mean_s)))

    def _commit(
        self, job: Job, finish: FloatArray, scrap: npt.NDArray[np.bool_], elapsed: float
    ) -> None:
        hours = elapsed / 3600.0
        self._pc += elapsed
        self.ph += hours
        self.wear.advance(hours)
        n = int(finish.size)
        bad = int(np.count_nonzero(scrap))
        ideal = job.routing_step.ideal_cycle_s
        self._next_unit += n
        self.backlog_s -= ideal * n
        self.totals.ideal_s += ideal * n
        if n:
            self.ctx.recorder.units(self.index, finish, scrap)
            self._shop().produced(job, n - bad, bad)
        with self.ctx.lock:  # live readers see the units either in the segment or in totals
            self.totals.good += n - bad
            self.totals.scrap += bad
            if n:
                self.tracker.add_units(float(finish[-1]), n - bad, bad, ideal * n)
            self.segment = None
            self.degradation = self.wear.level()

    def _repair(self) -> Generator[simpy.Event, object, None]:
        env = self.ctx.env
        failed_at = env.now
        self._become(MachineState.UNPLANNED_STOP, "breakdown", self.job)
        r = self.b.repair
        sigma2 = math.log1p(r.cv**2)
        duration = (
            float(self.rng.lognormal(math.log(r.mean_h) - sigma2 / 2, math.sqrt(sigma2))) * 3600
        )
        with self.ctx.crews.request(priority=_REPAIR, preempt=True) as req:
            yield req
            started = env.now
            yield env.timeout(duration)
        self.totals.crew_s += duration
        self.totals.repairs += 1
        self.wear.renew()
        self.failed = False
        self.ph_repair = self.ph_maintenance = self.ph
        if self.policy_driven:
            self.pm_window, self.pm_due_ph = False, math.inf
        with self.ctx.lock:
            self.degradation = self.wear.level()
        self.ctx.recorder.event(
            env.now,
            "repair",
            self.id,
            f"{self.id} repaired",
            wait_h=(started - failed_at) / 3600,
            repair_h=duration / 3600,
        )

    def _preventive(self) -> Generator[simpy.Event, object, None]:
        env = self.ctx.env
        pm = self.b.preventive
        self._become(MachineState.PLANNED_STOP, "preventive_maintenance")
        remaining = pm.duration_h * 3600.0
        preempted = 0
        while remaining > _EPS:
            req = self.ctx.crews.request(priority=_PREVENTIVE, preempt=False)
            yield req
            t0 = env.now
            try:
                yield env.timeout(remaining)
            except simpy.Interrupt:
                preempted += 1
                self.ctx.recorder.event(
                    env.now, "preventive_preempted", self.id, f"crew left {self.id} for a repair"
                )
            worked = env.now - t0
            remaining -= worked
            self.totals.crew_s += worked
            self.ctx.crews.release(req)
        before = self.wear.level()
        self.wear.restore(pm.restores)
        self.pm_due_ph = self.ph + (pm.interval_h or math.inf)
        self.ph_maintenance = self.ph
        if self.policy_driven:
            self.pm_window, self.pm_due_ph = False, math.inf
        self.totals.preventive += 1
        with self.ctx.lock:
            self.degradation = self.wear.level()
        self.ctx.recorder.event(
            env.now,
            "preventive_maintenance",
            self.id,
            f"preventive maintenance of {self.id}",
            degradation_before=before,
            degradation_after=self.degradation,
            preempted=preempted,
        )
