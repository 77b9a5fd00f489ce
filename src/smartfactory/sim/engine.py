"""The factory simulation: builds the machine processes, runs them, and reports.

One engine, two clocks: fast mode runs a ``simpy.Environment`` as fast as it can; real-time
mode runs a ``simpy.rt.RealtimeEnvironment(factor=1/speed, strict=False)``. Both advance in
chunks (a simulated day in fast mode, a fifth of a wall second in real time) so that a
``stop()`` from another thread, the progress callback and periodic flushes to the store happen
between chunks. At the end of a run every machine that is producing is interrupted for a
checkpoint, so that all units made up to the end instant are committed and written.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import simpy
import simpy.rt

from smartfactory.domain.assets import Plant
from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.states import MachineState, in_planned_busy_time
from smartfactory.errors import SimulationError
from smartfactory.sim.degradation import make_wear
from smartfactory.sim.hook import MaintenancePolicy
from smartfactory.sim.live import Period, ratios
from smartfactory.sim.machine import Context, MachineSim
from smartfactory.sim.observe import Observer
from smartfactory.sim.orders import Shop, SimOrder, Workstation
from smartfactory.sim.recorder import Recorder
from smartfactory.sim.results import MachineFigures, SimulationResult, summarise
from smartfactory.sim.timeline import Timeline
from smartfactory.store.base import Store

__all__ = ["DEFAULT_START", "FactorySimulation", "Progress", "simulate"]

DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)
Progress = Callable[[float, float], None]
_DAY = 86400.0
_RT_CHUNK_WALL_S = 0.2
_RT_FLUSH_WALL_S = 5.0


class FactorySimulation:
    """A plant simulated with SimPy; implements :class:`~smartfactory.domain.live.LiveSource`.

    Parameters are exactly the constructor arguments:

    - ``plant``: the plant to run; ``store``: where results go (None: only the summary).
    - ``seed`` / ``rng``: all randomness comes from ``rng`` (or ``default_rng(seed)``).
    - ``start``: the UTC instant simulation time 0 stands for.
    - ``speed``: None for fast mode; else simulated seconds per wall second (real time).
    - ``sample_interval_s``: sensor grid step; ``sample_off_shift``: also sample off shift.
    - ``cmapss_dir``: the C-MAPSS folder (default ``SF_CMAPSS_DIR`` or the shared data set).
    - ``transfer_batch_h``: hours of work of the slowest step per transfer batch.
    - ``flush_every_s``: simulated seconds between store writes in fast mode.
    - ``policy``: a :class:`~smartfactory.sim.hook.MaintenancePolicy` that plans preventive
      maintenance at decision points (see :mod:`.observe`); None keeps the plant file's
      interval-based preventive maintenance.
    """

    def __init__(
        self,
        plant: Plant,
        store: Store | None = None,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        start: datetime = DEFAULT_START,
        speed: float | None = None,
        sample_interval_s: float = 60.0,
        sample_off_shift: bool = False,
        cmapss_dir: Path | str | None = None,
        transfer_batch_h: float = 2.0,
        flush_every_s: float = _DAY,
        policy: MaintenancePolicy | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise SimulationError("start must be timezone-aware (UTC)")
        if speed is not None and speed <= 0:
            raise SimulationError("speed must be positive")
        if sample_interval_s <= 0:
            raise SimulationError("sample_interval_s must be positive")
        self.plant = plant
        self.store = store
        self.start = start.astimezone(UTC)
        self.speed = speed
        self.sample_interval_s = sample_interval_s
        self.flush_every_s = flush_every_s
        rng = rng if rng is not None else np.random.default_rng(seed)
        sim_rng, noise_rng, demand_rng = rng.spawn(3)
        self.env: simpy.Environment = (
            simpy.rt.RealtimeEnvironment(factor=1.0 / speed, strict=False)
            if speed is not None
            else simpy.Environment()
        )
        self.timeline = Timeline(plant.site.calendar, self.start)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wall_s = 0.0
        self._running_until: float | None = None
        folder = Path(cmapss_dir) if cmapss_dir is not None else None
        machines = [(line.id, m) for _, line in plant.lines() for m in line.machines]
        machine_rngs = sim_rng.spawn(len(machines))
        wears = [
            make_wear(m.behaviour, r, folder)
            for (_, m), r in zip(machines, machine_rngs, strict=True)
        ]
        self.recorder = Recorder(
            store,
            self.start,
            [(m, w) for (_, m), w in zip(machines, wears, strict=True)],
            noise_rng,
            sample_interval_s=sample_interval_s,
            sample_off_shift=sample_off_shift,
        )
        crews = simpy.PreemptiveResource(self.env, capacity=plant.maintenance.crews)
        ctx = Context(self.env, self.timeline, crews, self.recorder, self._lock)
        self.machines = [
            MachineSim(
                index=i,
                machine=m,
                line=line,
                ctx=ctx,
                wear=w,
                rng=r,
                policy_driven=policy is not None,
            )
            for i, ((line, m), w, r) in enumerate(zip(machines, wears, machine_rngs, strict=True))
        ]
        self.policy = policy
        self.observer: Observer | None = None
        if policy is not None:
            policy.bind(plant)
            self.observer = Observer(self.env, self.timeline, self.machines, rng.spawn(1)[0])
        stations: dict[str, Workstation] = {m.id: m for m in self.machines}
        self.shop = Shop(stations, transfer_batch_h, on_order_change=self.recorder.order)
        ctx.shop = self.shop
        self._demand_rng = demand_rng
        self._order_seq = 0
        self.period = Period(-1, 0.0, 0.0, None)
        self.env.process(self._periods())
        self.env.process(self._fixed_orders())
        for k in range(len(plant.demand)):
            self.env.process(self._demand(k))
        if policy is not None:
            self.env.process(self._decisions())

    # -- processes --------------------------------------------------------------------------
    def _periods(self) -> Generator[simpy.Event, object, None]:
        while True:
            now = self.env.now
            pid, lo, hi = self.timeline.period_bounds(now + 1e-6)
            self.period = Period(pid, lo, hi, self.timeline.shift_name(pid))
            yield self.env.timeout(max(hi - now, 1e-6))

    def _decisions(self) -> Generator[simpy.Event, object, None]:
        policy, observer = self.policy, self.observer
        if policy is None or observer is None:  # pragma: no cover - only started with both
            return
        step = policy.decision_interval_h * 3600.0
        while True:
            truth = observer.truth() if policy.uses_hidden_state else None
            orders = policy.decide(observer.observe(), truth)
            for m in self.machines:
                order = orders.get(m.id)
                if order is None:
                    m.plan(False, math.inf)
                else:
                    m.plan(order.next_window, order.due_h)
            yield self.env.timeout(step)

    def _fixed_orders(self) -> Generator[simpy.Event, object, None]:
        for o in sorted(self.plant.orders, key=lambda o: o.release):
            t = max(0.0, (o.release - self.start).total_seconds())
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            due = (o.due - self.start).total_seconds()
            self.shop.release(
                SimOrder(o.id, self.plant.product(o.product), o.quantity, t, due, o.priority)
            )

    def _demand(self, k: int) -> Generator[simpy.Event, object, None]:
        d = self.plant.demand[k]
        product = self.plant.product(d.product)
        while True:
            now = self.env.now
            qty = int(self._demand_rng.integers(d.quantity_min, d.quantity_max + 1))
            self._order_seq += 1
            order_id = f"SO-{self._order_seq:06d}-{d.product}"
            self.shop.release(SimOrder(order_id, product, qty, now, now + d.lead_time_h * 3600))
            yield self.env.timeout(d.every_h * 3600.0)

    # -- running ----------------------------------------------------------------------------
    def now(self) -> datetime:
        """The current simulated instant (UTC)."""
        return self.recorder.when(self.env.now)

    def stop(self) -> None:
        """Ask a running ``run`` to end cleanly after its current chunk (thread-safe)."""
        self._stop.set()

    def run_for(
        self, duration: timedelta | float | None, progress: Progress | None = None
    ) -> SimulationResult:
        """Run for ``duration`` (a timedelta or simulated seconds; None: until stopped)."""
        if duration is None:
            return self.run(None, progress)
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
        return self.run(self.now() + timedelta(seconds=seconds), progress)

    def run(self, until: datetime | None, progress: Progress | None = None) -> SimulationResult:
        """Simulate up to ``until`` (None: until :meth:`stop`, real-time mode only).

        ``progress(done_s, total_s)`` is called after every chunk with simulated seconds. The
        store receives everything up to the end instant before this returns.
        """
        if until is None and self.speed is None:
            raise SimulationError("a fast simulation needs an end instant")
        env = self.env
        begin = env.now
        end = (until - self.start).total_seconds() if until is not None else float("inf")
        if end < begin:
            raise SimulationError(f"cannot run back to {until}; simulation is at {self.now()}")
        self._stop.clear()
        self._running_until = end
        wall0 = time.perf_counter()
        last_flush_t, last_flush_wall = env.now, wall0
        if isinstance(env, simpy.rt.RealtimeEnvironment):
            env.sync()
            env.env_start = env.now
        chunk = _DAY if self.speed is None else _RT_CHUNK_WALL_S * self.speed
        while env.now < end and not self._stop.is_set():
            env.run(until=min(env.now + chunk, end))
            wall = time.perf_counter()
            due = (
                env.now - last_flush_t >= self.flush_every_s
                if self.speed is None
                else wall - last_flush_wall >= _RT_FLUSH_WALL_S
            )
            if due:
                self.recorder.flush(
                    [m.seg_start if m.in_segment else env.now for m in self.machines]
                )
                last_flush_t, last_flush_wall = env.now, wall
            if progress is not None:
                progress(env.now - begin, end - begin)
        self._running_until = None
        self._checkpoint()
        now = env.now
        self.recorder.flush(
            [now] * len(self.machines), [m.open_interval(now) for m in self.machines]
        )
        if self.store is not None:
            self.store.flush()
        self._wall_s += time.perf_counter() - wall0
        return self.result()

    def fast_forward(self, duration: timedelta) -> None:
        """Advance ``duration`` as fast as possible, in real-time mode too.

        A demo uses it as a warm-up, so the live page opens on a plant in full swing (orders in
        progress on every line) instead of an empty one. The next :meth:`run` re-synchronises
        the real-time clock. Data produced meanwhile is stored like any other.
        """
        if self.speed is None:
            self.run_for(duration)
            return
        env = self.env
        end = env.now + duration.total_seconds()
        env.timeout(end - env.now)  # so the clock lands on ``end`` even if nothing happens then
        while env.peek() <= end:
            simpy.Environment.step(env)  # the plain step: no real-time wait
        self.recorder.flush([m.seg_start if m.in_segment else env.now for m in self.machines])

    def _checkpoint(self) -> None:
        """Interrupt producing machines so every unit up to now is committed."""
        env = self.env
        for m in self.machines:
            if m.in_segment:
                m.process.interrupt("checkpoint")
        while env.peek() <= env.now:
            env.step()

    # -- reporting --------------------------------------------------------------------------
    def result(self) -> SimulationResult:
        """The summary so far (open state intervals counted up to now)."""
        now = self.env.now
        figures = []
        for m in self.machines:
            t = m.totals
            state_s = list(t.state_s)
            reason_s = dict(t.reason_s)
            state_s[m.state] += now - m.since
            if m.reason:
                reason_s[m.reason] = reason_s.get(m.reason, 0.0) + now - m.since
            figures.append(
                MachineFigures(
                    state_s,
                    reason_s,
                    t.ideal_s,
                    t.good,
                    t.scrap,
                    t.failures,
                    t.repairs,
                    t.preventive,
                    t.crew_s,
                )
            )
        totals = self.shop.totals.values()
        orders = self.shop.orders.values()
        return summarise(
            figures,
            self.plant.costs,
            start=self.start,
            end=self.now(),
            finished_units=sum(t.finished for t in totals),
            units_started=sum(t.started for t in totals),
            wip_units=sum(self.shop.wip().values()),
            orders_released=len(self.shop.orders),
            orders_done=sum(1 for o in orders if o.status == "done"),
            samples_written=self.recorder.samples_written,
            wall_s=self._wall_s,
        )

    def snapshot(self) -> PlantSnapshot:
        """Every machine now, with its current shift's figures (safe from any thread)."""
        now = self._live_now()
        period = self.period
        out = []
        with self._lock:
            for m in self.machines:
                f = m.tracker.figures
                same = f.start == period.start and f.end == period.end
                apt, pbt, ideal, good, scrap = (
                    (f.apt, f.pbt, f.ideal, f.good, f.scrap) if same else (0.0, 0.0, 0.0, 0, 0)
                )
                open_s = max(0.0, now - max(m.since, period.start))
                if in_planned_busy_time(m.state):
                    pbt += open_s
                d = m.degradation
                seg = m.segment
                if seg is not None:
                    apt += open_s
                    k = int(np.searchsorted(seg.finish, now, side="right"))
                    bad = int(np.count_nonzero(seg.scrap[:k]))
                    good += k - bad
                    scrap += bad
                    ideal += k * seg.ideal
                    if seg.t1 > seg.t0:
                        frac = min(1.0, max(0.0, (now - seg.t0) / (seg.t1 - seg.t0)))
                        d = seg.d0 + (seg.d1 - seg.d0) * frac
                elif m.state == MachineState.PRODUCING:
                    apt += open_s
                a, p, q, oee = ratios(apt, pbt, ideal, good, scrap)
                out.append(
                    MachineSnapshot(
                        m.id,
                        m.line,
                        m.state,
                        self.recorder.when(m.since),
                        m.reason,
                        m.order,
                        m.product,
                        good,
                        scrap,
                        a,
                        p,
                        q,
                        oee,
                        d,
                        pbt_s=pbt,
                        apt_s=apt,
                        ideal_s=ideal,
                    )
                )
        return PlantSnapshot(self.recorder.when(now), period.shift, tuple(out))

    def _live_now(self) -> float:
        """Simulated now; in real time, interpolated from the wall clock between events."""
        env = self.env
        now = env.now
        if self._running_until is not None and isinstance(env, simpy.rt.RealtimeEnvironment):
            real_start: float = env.real_start
            env_start: float = env.env_start
            est = env_start + (time.monotonic() - real_start) / env.factor
            now = max(now, min(est, self._running_until))
        return now


def simulate(
    plant: Plant,
    store: Store | None = None,
    *,
    days: float = 365.0,
    seed: int | None = None,
    start: datetime = DEFAULT_START,
    sample_interval_s: float = 60.0,
    cmapss_dir: Path | str | None = None,
    progress: Progress | None = None,
    policy: MaintenancePolicy | None = None,
) -> SimulationResult:
    """Run ``plant`` for ``days`` simulated days as fast as possible and summarise it.

    This is what ``smartfactory simulate`` calls; ``progress(done_s, total_s)`` is called
    about once per simulated day.
    """
    sim = FactorySimulation(
        plant,
        store,
        seed=seed,
        start=start,
        sample_interval_s=sample_interval_s,
        cmapss_dir=cmapss_dir,
        policy=policy,
    )
    return sim.run_for(timedelta(days=days), progress)
