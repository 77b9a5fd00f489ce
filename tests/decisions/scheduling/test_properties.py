"""Property tests of scheduler invariants on small generated instances."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.decisions.scheduling import (
    Alternative,
    Breakdown,
    Job,
    Objective,
    Operation,
    Problem,
    RescheduleOptions,
    SolveOptions,
    Window,
    dispatch,
    reschedule,
    solve,
    validate_plan,
)

FAST = SolveOptions(time_limit_s=0.3, first_phase=0.6, lns_step_s=0.1, workers=1)
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n_machines = draw(st.integers(1, 3))
    n_jobs = draw(st.integers(1, 4))
    families = draw(st.integers(1, 2))
    jobs = []
    for _ in range(n_jobs):
        ops = []
        for _ in range(draw(st.integers(1, 3))):
            machines = draw(
                st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True)
            )
            alts = tuple(Alternative(m, draw(st.integers(1, 6))) for m in machines)
            ops.append(Operation(alts, setup=draw(st.integers(0, 3)), crew=draw(st.integers(0, 1))))
        jobs.append(
            Job(
                tuple(ops),
                release=draw(st.integers(0, 5)),
                due=draw(st.none() | st.integers(0, 30)),
                weight=draw(st.integers(0, 3)),
                family=draw(st.integers(0, families - 1)),
            )
        )
    windows = tuple(
        Window(m, s, s + draw(st.integers(1, 5)), "maintenance")
        for m, s in draw(
            st.lists(st.tuples(st.integers(0, n_machines - 1), st.integers(0, 15)), max_size=2)
        )
    )
    crew = draw(st.none() | st.integers(1, 2))
    objective = Objective(
        tardiness_weight=draw(st.integers(0, 3)), makespan_weight=draw(st.integers(0, 2))
    )
    return Problem(tuple(jobs), n_machines, (), windows, None, crew, objective)


@PROPERTY
@given(problems())
def test_any_small_instance_gets_a_valid_plan(problem: Problem) -> None:
    heuristic = dispatch(problem, "edd")
    assert validate_plan(problem, heuristic) == []
    plan = solve(problem, FAST)
    assert validate_plan(problem, plan) == []
    assert plan.objective <= heuristic.objective


@PROPERTY
@given(problems(), st.integers(0, 10), st.integers(1, 8), st.data())
def test_rescheduling_keeps_started_operations(
    problem: Problem, now: int, duration: int, data: st.DataObject
) -> None:
    plan = solve(problem, FAST)
    machine = data.draw(st.integers(0, problem.n_machines - 1))
    event = Breakdown(machine=machine, start=now, duration=duration)
    options = RescheduleOptions(time_limit_s=0.3, workers=1)
    result = reschedule(problem, plan, [event], now, options)
    assert validate_plan(result.problem, result.plan) == []
    for o in plan.operations():
        n = result.plan.jobs[o.job][o.step]
        if o.start < now:
            assert (n.machine, n.start) == (o.machine, o.start)
        else:
            assert n.start >= now
