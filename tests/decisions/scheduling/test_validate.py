from __future__ import annotations

from dataclasses import replace

import pytest

from smartfactory.decisions.scheduling import (
    Alternative,
    Job,
    Operation,
    Plan,
    Problem,
    ScheduledOperation,
    SchedulingError,
    Window,
    check_plan,
    evaluate,
    validate_plan,
)
from smartfactory.decisions.scheduling.plan import make_plan


def _problem(**kw: object) -> Problem:
    jobs = (
        Job(
            (Operation((Alternative(0, 3), Alternative(1, 4))), Operation((Alternative(1, 2),))),
            due=6,
        ),
        Job((Operation((Alternative(0, 2),), crew=1), Operation((Alternative(1, 1),), crew=1))),
    )
    return Problem(jobs, 2, **kw)  # type: ignore[arg-type]


def _plan(problem: Problem, rows: list[tuple[int, int, int, int, int]]) -> Plan:
    jobs: list[list[ScheduledOperation]] = [[] for _ in problem.jobs]
    for j, k, m, s, e in rows:
        jobs[j].append(ScheduledOperation(j, k, m, s, e))
    return make_plan(problem, jobs, "heuristic")


GOOD = [(0, 0, 0, 0, 3), (0, 1, 1, 3, 5), (1, 0, 0, 3, 5), (1, 1, 1, 5, 6)]


def test_a_valid_plan_passes() -> None:
    problem = _problem()
    plan = _plan(problem, GOOD)
    assert validate_plan(problem, plan) == []
    check_plan(problem, plan)
    assert evaluate(problem, plan.jobs) == (0, 6, 0)


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ([(0, 0, 0, 0, 3), (0, 1, 1, 2, 4), (1, 0, 0, 3, 5), (1, 1, 1, 5, 6)], "predecessor"),
        ([(0, 0, 0, 0, 3), (0, 1, 1, 3, 5), (1, 0, 0, 2, 4), (1, 1, 1, 5, 6)], "before job"),
        ([(0, 0, 0, 0, 3), (0, 1, 0, 3, 5), (1, 0, 0, 5, 7), (1, 1, 1, 7, 8)], "not eligible"),
        ([(0, 0, 0, 0, 4), (0, 1, 1, 4, 6), (1, 0, 0, 4, 6), (1, 1, 1, 6, 7)], "lasts 4"),
        ([(0, 0, 0, 0, 3), (0, 1, 1, 3, 5)], "operations scheduled"),
    ],
)
def test_violations_are_found(rows: list[tuple[int, int, int, int, int]], needle: str) -> None:
    problem = _problem()
    plan = _plan(problem, rows)
    problems = validate_plan(problem, plan)
    assert any(needle in p for p in problems), problems
    with pytest.raises(SchedulingError):
        check_plan(problem, plan)


def test_release_window_and_crew_are_checked() -> None:
    released = replace(
        _problem(), jobs=(replace(_problem().jobs[0], release=1), _problem().jobs[1])
    )
    assert any("release" in p for p in validate_plan(released, _plan(released, GOOD)))
    windowed = _problem(unavailable=(Window(1, 5, 6, "maintenance"),))
    assert any("unavailability" in p for p in validate_plan(windowed, _plan(windowed, GOOD)))
    crewed = _problem(crew_capacity=1)
    overlap = [(0, 0, 1, 0, 4), (0, 1, 1, 4, 6), (1, 0, 0, 0, 2), (1, 1, 1, 6, 7)]
    assert validate_plan(crewed, _plan(crewed, overlap)) == []
    pair = Problem(
        tuple(Job((Operation((Alternative(m, 2),), crew=1),)) for m in range(2)), 2, crew_capacity=1
    )
    clash = validate_plan(pair, _plan(pair, [(0, 0, 0, 0, 2), (1, 0, 1, 1, 3)]))
    assert len(clash) == 1
    assert "crew" in clash[0]
    assert validate_plan(pair, _plan(pair, [(0, 0, 0, 0, 2), (1, 0, 1, 2, 4)])) == []


def test_setup_gap_and_scores_are_checked() -> None:
    jobs = (
        Job((Operation((Alternative(0, 2),), setup=3),), family=0),
        Job((Operation((Alternative(0, 2),), setup=3),), family=1),
    )
    problem = Problem(jobs, 1)
    tight = _plan(problem, [(0, 0, 0, 0, 2), (1, 0, 0, 2, 4)])
    assert any("setup 3" in p for p in validate_plan(problem, tight))
    ok = _plan(problem, [(0, 0, 0, 0, 2), (1, 0, 0, 5, 7)])
    assert validate_plan(problem, ok) == []
    lying = replace(ok, makespan=3)
    assert any("scores" in p for p in validate_plan(problem, lying))
