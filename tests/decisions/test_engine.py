"""The decision engine: live RUL in, maintenance decisions, work orders and re-plans out."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.decisions import planning, service
from smartfactory.decisions import workorders as wo
from smartfactory.decisions.autonomy import AutonomyLevel, AutonomySettings, set_settings
from smartfactory.decisions.engine import DecisionEngine, candidate_windows
from smartfactory.decisions.log import (
    Decision,
    DecisionKind,
    DecisionStatus,
    get_decision,
    list_decisions,
)
from smartfactory.decisions.planning import (
    MaintenanceJob,
    Planner,
    ProductionPlan,
    current_plan,
    plan_history,
    rebuild,
)
from smartfactory.decisions.scheduling import validate_plan
from smartfactory.domain import Plant
from smartfactory.errors import DataError
from smartfactory.maintenance.frames import DERIVED_KIND
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.sim import FactorySimulation
from smartfactory.store import DuckDBStore, Store
from smartfactory.store.base import SAMPLE_SCHEMA, SignalKey
from tests.decisions.engine_helpers import (
    NOW,
    FixedReadings,
    around_the_clock_plant,
    hours,
    order_book,
    write_orders,
)
from tests.sim.conftest import two_line_plant

SHORT = (6.0, 3.0, 10.0)  # median, p10, p90 hours: maintain soon


@pytest.fixture
def store(tmp_path: Path) -> Generator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "engine.duckdb")
    yield s
    s.close()


@pytest.fixture
def plant() -> Plant:
    return around_the_clock_plant()


def _level(store: Store, level: AutonomyLevel, *, frozen_h: float = 1.0) -> None:
    set_settings(
        store,
        AutonomySettings(scope="plant", level=level, frozen_horizon_h=frozen_h),
        actor="admin",
        now=NOW - hours(1),
    )


def _engine(
    store: Store, plant: Plant, rul: dict[str, tuple[float, float, float] | None], **kw: object
) -> DecisionEngine:
    write_orders(store, order_book(plant))
    source = FixedReadings([m.id for m in plant.machines()], rul)
    return DecisionEngine(store, plant, source, clock=lambda: NOW, lead_h=1.0, **kw)  # type: ignore[arg-type]


def _maintenance(store: Store) -> list[Decision]:
    return list_decisions(store, kind=DecisionKind.MAINTENANCE).items


def _schedule(store: Store) -> list[Decision]:
    return list_decisions(store, kind=DecisionKind.SCHEDULE).items


def _assert_window_kept_free(plant: Plant, plan: ProductionPlan, job: MaintenanceJob) -> None:
    """The stored plan is valid against its own problem (with the window) and no operation of
    the machine overlaps the window (round-the-clock calendar: working time is wall time)."""
    built, model_plan = rebuild(plant, plan)
    assert validate_plan(built.problem, model_plan) == []
    m = built.machine_index(job.machine)
    assert any(w.machine == m and w.end > w.start for w in built.problem.unavailable)
    for op in plan.operations:
        if op.machine == job.machine:
            assert op.end <= job.start or op.start >= job.end, op


# -- levels -------------------------------------------------------------------------------
def test_autonomous_schedules_the_work_order_and_replans(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.AUTONOMOUS)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    first = engine.step(NOW)
    assert [d.machine for d in first] == ["lathe-1"]
    decision = first[0]
    assert decision.status is DecisionStatus.APPLIED
    assert decision.scope == "line"
    choice = decision.choice()
    assert choice is not None and choice.start is not None and choice.end is not None
    assert choice.start >= NOW + hours(1)  # lead time
    assert decision.expected_benefit > 0
    assert decision.inputs["rul_h"] == {"p10": 3.0, "p50": 6.0, "p90": 10.0}
    assert "run_to_failure" in [a.name for a in decision.alternatives]
    assert "6 h" in decision.explanation.en and "6시간" in decision.explanation.ko
    # the work order sits in the chosen window
    order = wo.get(store, decision.data["work_order_id"])
    assert order.status is wo.WorkOrderStatus.SCHEDULED
    assert (order.scheduled_start, order.scheduled_end) == (choice.start, choice.end)
    assert order.decision_id == decision.id
    # the new plan is active, points at the decision, and keeps the machine free
    plan = current_plan(store)
    assert plan is not None and plan.id == decision.data["plan_id"]
    assert plan.decision_id == decision.id and decision.id in plan.reason
    jobs = [j for j in plan.maintenance if j.decision_id == decision.id]
    assert [(j.machine, j.start, j.end) for j in jobs] == [("lathe-1", choice.start, choice.end)]
    _assert_window_kept_free(plant, plan, jobs[0])
    assert any(
        isinstance(i, MaintenanceJob) for i in plan.by_machine()["lathe-1"]
    )  # the dashboard's per-machine view holds the job
    # the schedule decision explains the re-plan in both languages
    (schedule,) = _schedule(store)
    assert schedule.status is DecisionStatus.APPLIED
    assert schedule.inputs["plan_id"] == plan.id
    assert schedule.inputs["maintenance_decision"] == decision.id
    assert "lathe-1" in schedule.explanation.en and "re-plan" in schedule.explanation.en
    assert "재수립" in schedule.explanation.ko
    history = plan_history(store, 10)
    assert [p.status for p in history][:2] == ["active", "superseded"]


def test_approve_waits_and_approving_replans(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.APPROVE)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    before = engine.step(NOW)
    (decision,) = before
    assert decision.status is DecisionStatus.PROPOSED
    assert wo.list_work_orders(store).total == 0
    first_plan = current_plan(store)
    assert first_plan is not None and first_plan.decision_id is None  # the initial plan
    later = NOW + timedelta(minutes=10)
    approved = service.approve(
        store, decision.id, actor="kim", now=later, appliers=engine.appliers()
    )
    assert approved.status is DecisionStatus.APPLIED and approved.decided_by == "kim"
    plan = current_plan(store)
    assert plan is not None and plan.id != first_plan.id
    assert plan.decision_id == decision.id and plan.data["previous_id"] == first_plan.id
    job = next(j for j in plan.maintenance if j.decision_id == decision.id)
    _assert_window_kept_free(plant, plan, job)
    (schedule,) = _schedule(store)  # the re-plan follows the person's approval
    assert schedule.status is DecisionStatus.APPLIED and schedule.decided_by == "kim"


def test_advise_applies_nothing(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.ADVISE)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    (decision,) = engine.step(NOW)
    assert decision.status is DecisionStatus.PROPOSED
    assert decision.autonomy == "advise"
    assert wo.list_work_orders(store).total == 0
    assert _schedule(store) == []
    assert [p.decision_id for p in plan_history(store)] == [None]


def test_repeated_steps_propose_once(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.APPROVE)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    assert len(engine.step(NOW)) == 1
    assert engine.step(NOW + timedelta(minutes=15)) == []
    (decision,) = _maintenance(store)
    service.approve(
        store, decision.id, actor="kim", now=NOW + hours(0.5), appliers=engine.appliers()
    )
    assert engine.step(NOW + hours(0.6)) == []  # applied, work order not done
    assert len(_maintenance(store)) == 1
    # once its work order is done the machine may get a new decision
    order = wo.get(store, get_decision(store, decision.id).data["work_order_id"])
    wo.start(store, order.id, actor="tech", now=NOW + hours(0.7))
    wo.close(store, order.id, "bearing_wear", actor="tech", now=NOW + hours(0.8))
    assert [d.machine for d in engine.step(NOW + hours(0.9))] == ["lathe-1"]


def test_rejected_decision_lets_the_next_step_propose_again(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.APPROVE)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    (decision,) = engine.step(NOW)
    service.reject(store, decision.id, "crew busy", actor="kim", now=NOW + hours(0.1))
    assert [d.machine for d in engine.step(NOW + hours(0.2))] == ["lathe-1"]


def test_long_rul_proposes_nothing(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.AUTONOMOUS)
    engine = _engine(store, plant, {"lathe-1": (400.0, 300.0, 600.0)})
    assert engine.step(NOW) == []
    assert engine.errors == 0 and engine.skipped == 0


def test_bad_readings_are_counted_and_skipped(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.APPROVE)
    rul: dict[str, tuple[float, float, float] | None] = {
        "lathe-1": SHORT,
        "lathe-2": (float("nan"), 1.0, 2.0),
        "mill-1": (-5.0, -8.0, 1.0),
        "pack-1": None,  # warming up: no RUL yet, not an error
    }
    engine = _engine(store, plant, rul)
    out = engine.step(NOW)
    assert [d.machine for d in out] == ["lathe-1"]
    assert engine.skipped == 2 and engine.errors == 0
    stale = FixedReadings(["lathe-2"], {"lathe-2": SHORT}, at=NOW - hours(30))
    old = DecisionEngine(store, plant, stale, clock=lambda: NOW)
    assert old.step(NOW) == [] and old.stale == 1


def test_unknown_machine_and_failing_source_do_not_crash(store: Store, plant: Plant) -> None:
    class Broken:
        def readings(self) -> list[object]:
            raise DataError("the health service is down")

    engine = DecisionEngine(store, plant, Broken(), clock=lambda: NOW)  # type: ignore[arg-type]
    assert engine.step(NOW) == [] and engine.errors == 1
    ghost = FixedReadings(["ghost-9"], {"ghost-9": SHORT})
    assert DecisionEngine(store, plant, ghost, clock=lambda: NOW).step(NOW) == []


def test_reads_health_from_the_store(store: Store, plant: Plant) -> None:
    """Without the live service in the same process: the derived signals it wrote."""
    _level(store, AutonomyLevel.ADVISE)
    write_orders(store, order_book(plant))
    names = ("health", "anomaly_score", "rul_h", "rul_h_p10", "rul_h_p90")
    ids = store.register_signals(
        [SignalKey("lathe-1", n, "h" if n.startswith("rul") else "", DERIVED_KIND) for n in names]
    )
    values = (41.0, 0.3, *SHORT[:1], SHORT[1], SHORT[2])
    store.write_samples(
        pa.Table.from_arrays(
            [
                pa.array([ids[("lathe-1", n)] for n in names], type=pa.int32()),
                pa.array(
                    [NOW - timedelta(minutes=5)] * len(names), type=SAMPLE_SCHEMA.field("ts").type
                ),
                pa.array(values, type=pa.float64()),
            ],
            schema=SAMPLE_SCHEMA,
        )
    )
    engine = DecisionEngine(store, plant, store, clock=lambda: NOW, lead_h=1.0)
    (decision,) = engine.step(NOW)
    assert decision.machine == "lathe-1" and decision.inputs["health"] == 41.0


def test_undo_cancels_the_work_order_and_replans_without_it(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.AUTONOMOUS)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    (decision,) = engine.step(NOW)
    undone = service.undo(
        store, decision.id, actor="kim", now=NOW + hours(0.2), appliers=engine.appliers()
    )
    assert undone.status is DecisionStatus.UNDONE
    assert wo.get(store, decision.data["work_order_id"]).status is wo.WorkOrderStatus.CANCELLED
    plan = current_plan(store)
    assert plan is not None and plan.maintenance == ()
    assert len(_schedule(store)) == 2


def test_undoing_the_schedule_decision_restores_the_previous_plan(
    store: Store, plant: Plant
) -> None:
    _level(store, AutonomyLevel.AUTONOMOUS)
    engine = _engine(store, plant, {"lathe-1": SHORT})
    engine.step(NOW)
    (schedule,) = _schedule(store)
    previous = schedule.inputs["previous_plan_id"]
    service.undo(store, schedule.id, actor="kim", now=NOW + hours(0.1), appliers=engine.appliers())
    active = current_plan(store)
    assert active is not None and active.id == previous
    assert planning.get_plan(store, schedule.inputs["plan_id"]).status == "undone"


def test_shift_calendar_without_orders(store: Store) -> None:
    """No plan yet: the calendar alone gives the windows; approving still makes the work
    order and records why no re-plan was made."""
    plant = two_line_plant()  # two shifts on weekdays, a lunch break
    _level(store, AutonomyLevel.APPROVE)
    source = FixedReadings([m.id for m in plant.machines()], {"mill-1": (20.0, 12.0, 30.0)})
    engine = DecisionEngine(store, plant, source, clock=lambda: NOW)
    (decision,) = engine.step(NOW)
    assert current_plan(store) is None
    assert decision.inputs["window"]["kind"] in {"no_shift", "break"}
    assert decision.inputs["window"]["production_lost_h"] == 0.0
    applied = service.approve(
        store, decision.id, actor="kim", now=NOW + hours(0.1), appliers=engine.appliers()
    )
    assert applied.status is DecisionStatus.APPLIED
    assert wo.get(store, applied.data["work_order_id"]).machine == "mill-1"
    assert "no open orders" in applied.data["replan_error"]


# -- planning ------------------------------------------------------------------------------
def test_replan_moves_operations_out_of_a_maintenance_window(store: Store, plant: Plant) -> None:
    write_orders(store, order_book(plant))
    planner = Planner(plant)
    first = planner.ensure_plan(store, NOW)
    assert first is not None and first.status == "active"
    built, model = rebuild(plant, first)
    assert validate_plan(built.problem, model) == []
    # a job right over the second planned operation on lathe-2 (well in the future)
    ops = sorted((o for o in first.operations if o.machine == "lathe-2"), key=lambda o: o.start)
    target = next(o for o in ops if o.start > NOW + hours(2))
    start, end = target.start + timedelta(minutes=10), target.start + timedelta(minutes=70)
    wo.create(
        store,
        machine="lathe-2",
        kind="preventive",
        title="bearing",
        actor="kim",
        now=NOW,
        scheduled_start=start,
        scheduled_end=end,
    )
    result = planner.replan(store, NOW + hours(1), reason="test", decision_id="D-TEST")
    new = result.plan
    assert new.status == "proposed" and result.previous is not None
    assert result.previous.id == first.id
    job = new.maintenance[0]
    _assert_window_kept_free(plant, new, job)
    moved = [m for m in new.moves if m.old_start is not None]
    assert moved and any("maintenance of lathe-2" in m.reason for m in moved)
    assert result.keep_cost > 0
    assert new.data["diff"]["moved"] == len(moved)
    # started operations stayed where they were
    started = {(o.order, o.operation) for o in first.operations if o.start < NOW + hours(1)}
    again = {(o.order, o.operation): o for o in new.operations}
    for o in first.operations:
        if (o.order, o.operation) in started:
            assert (again[(o.order, o.operation)].start, again[(o.order, o.operation)].machine) == (
                o.start,
                o.machine,
            )
    assert current_plan(store) is not None and current_plan(store).id == first.id  # type: ignore[union-attr]
    planning.activate_plan(store, new.id, actor="kim", now=NOW + hours(1))
    assert [p.status for p in plan_history(store)] == ["active", "superseded"]


def test_candidate_windows_offer_off_shift_idle_and_production() -> None:
    work = [(0.0, 4.0), (5.0, 14.0), (22.0, 30.0)]
    busy = [(0.0, 2.0), (3.5, 4.0), (5.0, 10.0), (12.0, 14.0)]
    found = candidate_windows(work, busy, horizon_h=30.0, duration_h=1.0, lead_h=0.5)
    kinds = [(w.kind, w.start_h) for w in found]
    assert kinds == [
        ("production", 0.5),  # the earliest start, stopping production
        ("idle", 2.0),  # 1.5 h between two planned operations
        ("break", 4.0),  # a 1 h gap in working time: just long enough
        ("idle", 10.0),
        ("no_shift", 14.0),  # 8 h off shift: one start
        ("idle", 22.0),  # the plan ends: idle to the horizon
    ]
    longer = candidate_windows(work, None, horizon_h=30.0, duration_h=1.0, every_h=3.0)
    assert [w.start_h for w in longer if w.kind == "no_shift"] == [14.0, 17.0, 20.0]
    assert all(w.end_h - w.start_h >= 1.0 for w in found)
    assert all(w.start_h >= 0.5 for w in found)


# -- thread --------------------------------------------------------------------------------
def test_background_thread_steps_on_the_clock_and_stops(store: Store, plant: Plant) -> None:
    _level(store, AutonomyLevel.ADVISE)
    ticks = iter(range(10_000))
    base = NOW

    def clock() -> datetime:  # a simulated clock at 3,600x: one hour per wall second
        return base + timedelta(seconds=3600 * 0.02 * next(ticks))

    engine = _engine(store, plant, {"lathe-1": SHORT})
    engine.clock = clock
    engine.interval_s = 900.0
    engine.wall_poll_s = 0.02
    engine.start()
    deadline = time.monotonic() + 20
    while engine.steps < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.stop()
    assert engine.steps >= 3 and engine.errors == 0
    assert len(_maintenance(store)) == 1  # one decision however many steps ran


# -- end to end ------------------------------------------------------------------------------
def test_simulated_plant_gets_decisions_from_live_health(store: Store) -> None:
    """FactorySimulation -> store -> LiveMaintenance -> DecisionEngine, fast mode.

    Machines wearing out in about 60 producing hours drive their health index down within
    the first days; the engine turns the short remaining life into decisions, applies them
    (autonomous, no frozen horizon) and re-plans the simulator's open orders around them.
    """
    plant = two_line_plant(wear_life_h=60.0)
    _level(store, AutonomyLevel.AUTONOMOUS, frozen_h=0.0)
    sim = FactorySimulation(plant, store, seed=1, start=NOW, flush_every_s=3600)
    live = LiveMaintenance(store, trend_h=12, trend_min=20, trend_after=100)
    engine = DecisionEngine(store, plant, live, clock=sim.now)
    began = time.monotonic()
    decisions: list[Decision] = []
    for _ in range(20):  # up to five simulated days, in 6 h steps
        sim.run_for(timedelta(hours=6))
        live.poll()
        decisions += engine.step(sim.now())
        if decisions:
            break
    assert decisions, "no machine got a decision within five simulated days"
    assert time.monotonic() - began < 60
    d = decisions[0]
    assert d.kind is DecisionKind.MAINTENANCE and d.machine in {m.id for m in plant.machines()}
    assert d.inputs["rul_h"]["p50"] <= engine.act_within_h
    assert engine.errors == 0
    assert d.status is DecisionStatus.APPLIED
    plan = current_plan(store)
    assert plan is not None and plan.decision_id == d.id
    job = next(j for j in plan.maintenance if j.decision_id == d.id)
    built, model = rebuild(plant, plan)
    assert validate_plan(built.problem, model) == []
    assert job.machine == d.machine
    assert np.isfinite(d.expected_benefit) and d.expected_benefit > 0
    assert d.ts <= sim.now().astimezone(UTC)


def test_demo_wiring_in_real_time(store: Store) -> None:
    """The demo's threads: the simulator in real time, live health and the engine polling."""
    plant = two_line_plant(wear_life_h=60.0)
    sim = FactorySimulation(plant, store, seed=1, start=NOW, speed=7200.0)
    sim.fast_forward(timedelta(hours=8))
    live = LiveMaintenance(store, poll_s=0.2, trend_h=12, trend_min=20, trend_after=100)
    engine = DecisionEngine(store, plant, live, clock=sim.now, interval_s=1800.0, wall_poll_s=0.05)
    worker = threading.Thread(target=sim.run, args=(None,), name="simulation")
    worker.start()
    live.start()
    engine.start()
    try:
        deadline = time.monotonic() + 20
        while engine.steps < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        engine.stop()
        live.stop()
        sim.stop()
        worker.join(timeout=30)
    assert engine.steps >= 3 and engine.errors == 0
    assert current_plan(store) is not None  # planned from the simulator's orders
