from __future__ import annotations

import signal
from pathlib import Path

import pytest

from smartfactory.decisions.scheduling import (
    MAKESPAN,
    Alternative,
    Job,
    Objective,
    Operation,
    Problem,
    SchedulingError,
    SolveOptions,
    Window,
    best_dispatch,
    dispatch,
    solve,
    validate_plan,
)
from smartfactory.decisions.scheduling.benchmark import load_fjsp, load_jssp, plain_cpsat


def op(*alts: tuple[int, int], setup: int = 0, crew: int = 0) -> Operation:
    return Operation(tuple(Alternative(m, d) for m, d in alts), setup=setup, crew=crew)


def test_ft06_reaches_the_optimum_55(jssp_file: Path) -> None:
    (inst,) = load_jssp(jssp_file, ["ft06"])
    assert inst.best_known == 55
    plan = solve(inst.problem, SolveOptions(time_limit_s=5))
    assert validate_plan(inst.problem, plan) == []
    assert plan.makespan == 55
    assert plan.status == "optimal"


def test_solving_leaves_ctrl_c_with_python(jssp_file: Path) -> None:
    # CP-SAT's own SIGINT handling used to leave SIGINT at its default action after a
    # solve, so Ctrl-C killed the demo instead of stopping it cleanly
    before = signal.getsignal(signal.SIGINT)
    (inst,) = load_jssp(jssp_file, ["ft06"])
    solve(inst.problem, SolveOptions(time_limit_s=2))
    plain_cpsat(inst.problem, 1.0)
    assert signal.getsignal(signal.SIGINT) is before


def test_dispatching_rules_give_valid_plans_on_ft10(jssp_file: Path) -> None:
    (inst,) = load_jssp(jssp_file, ["ft10"])
    for rule in ("edd", "mwkr", "wspt"):
        plan = dispatch(inst.problem, rule)
        assert validate_plan(inst.problem, plan) == []
        assert plan.status == "heuristic"
        assert plan.makespan >= inst.best_known


def test_unknown_rule_is_refused() -> None:
    problem = Problem((Job((op((0, 1)),)),), 1)
    with pytest.raises(SchedulingError, match="unknown dispatching rule"):
        dispatch(problem, "fifo")


def test_lns_improves_on_the_heuristic_and_stays_valid(jssp_file: Path) -> None:
    (inst,) = load_jssp(jssp_file, ["la16"])
    heuristic = best_dispatch(inst.problem)
    # deterministic time, so the outcome does not depend on the machine's load
    first = SolveOptions(time_limit_s=0.1, deterministic=True, lns=False)
    start = solve(inst.problem, first)
    options = SolveOptions(time_limit_s=0.4, deterministic=True, first_phase=0.25, lns_step_s=0.1)
    plan = solve(inst.problem, options)
    assert validate_plan(inst.problem, plan) == []
    assert plan.makespan < heuristic.makespan
    assert plan.makespan < start.makespan - 20  # the LNS phase really improves
    assert plan.makespan <= inst.best_known * 1.05


def test_plain_baseline_is_valid(jssp_file: Path) -> None:
    (inst,) = load_jssp(jssp_file, ["ft06"])
    plan = plain_cpsat(inst.problem, 5)
    assert validate_plan(inst.problem, plan) == []
    assert plan.makespan == 55


def test_flexible_mk01_optimum(fjsp_dir: Path) -> None:
    (inst,) = load_fjsp(fjsp_dir, ["mk01"])
    assert any(len(o.alternatives) > 1 for j in inst.problem.jobs for o in j.operations)
    plan = solve(inst.problem, SolveOptions(time_limit_s=8))
    assert validate_plan(inst.problem, plan) == []
    assert plan.makespan == 40


def test_alternative_machine_is_used_when_faster() -> None:
    # two jobs, one op each; both machines eligible; the second machine is faster for job 1
    problem = Problem(
        (Job((op((0, 5), (1, 9)),)), Job((op((0, 5), (1, 6)),))), 2, objective=MAKESPAN
    )
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    assert plan.makespan == 6
    assert {plan.jobs[0][0].machine, plan.jobs[1][0].machine} == {0, 1}


def test_windows_release_and_due_dates_are_respected() -> None:
    problem = Problem(
        (
            Job((op((0, 4)), op((1, 3))), release=2, due=20, weight=1),
            Job((op((1, 5)), op((0, 2))), due=8, weight=5),
        ),
        2,
        unavailable=(Window(0, 5, 10, "maintenance"),),
        objective=Objective(tardiness_weight=1, makespan_weight=0),
    )
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    assert plan.jobs[0][0].start >= 2
    for o in plan.operations():
        if o.machine == 0:
            assert o.end <= 5 or o.start >= 10
    assert plan.status == "optimal"


def test_sequence_dependent_setups_leave_their_gap() -> None:
    # families 0 and 1 alternate on one machine; changeover 0->1 costs 10, 1->0 costs 1
    matrix = ((0, 10), (1, 0))
    jobs = tuple(Job((op((0, 3)),), family=f) for f in (0, 1, 0, 1))
    problem = Problem(jobs, 1, setup_matrix=matrix, objective=MAKESPAN)
    plan = solve(problem, SolveOptions(time_limit_s=3))
    assert validate_plan(problem, plan) == []
    # the best order groups families: 1,1 then 0,0 (one changeover of 1) -> 4*3 + 1 = 13
    assert plan.makespan == 13


def test_per_operation_setup_when_family_changes() -> None:
    jobs = (
        Job((op((0, 2), setup=5),), family=0),
        Job((op((0, 2), setup=5),), family=1),
    )
    problem = Problem(jobs, 1, objective=MAKESPAN)
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    assert plan.makespan == 9


def test_crew_limit_serialises_operations() -> None:
    jobs = tuple(Job((op((m, 4), crew=1),)) for m in range(3))
    problem = Problem(jobs, 3, crew_capacity=2, objective=MAKESPAN)
    plan = solve(problem, SolveOptions(time_limit_s=2))
    assert validate_plan(problem, plan) == []
    assert plan.makespan == 8
    heuristic = dispatch(problem, "mwkr")
    assert validate_plan(problem, heuristic) == []


def test_deterministic_mode_reproduces_the_plan(jssp_file: Path) -> None:
    (inst,) = load_jssp(jssp_file, ["la16"])
    options = SolveOptions(
        time_limit_s=0.2, deterministic=True, seed=3, first_phase=0.5, lns_step_s=0.05
    )
    a = solve(inst.problem, options)
    b = solve(inst.problem, options)
    assert a.jobs == b.jobs
    assert validate_plan(inst.problem, a) == []


def test_malformed_problems_are_refused() -> None:
    with pytest.raises(SchedulingError, match="machine out of range"):
        Problem((Job((op((3, 1)),)),), 2)
    with pytest.raises(SchedulingError, match="distinct machines"):
        Problem((Job((op((0, 1), (0, 2)),)),), 2)
    with pytest.raises(SchedulingError, match="crew"):
        Problem((Job((op((0, 1), crew=3),)),), 1, crew_capacity=2)
