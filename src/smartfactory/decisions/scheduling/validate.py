"""Check any plan against its problem.

Completeness, eligibility, durations, release, precedence, no overlap (with setup gaps),
unavailability windows, crew limit and the reported scores.
:func:`validate_plan` returns the violations as readable lines (empty when the plan is valid);
:func:`check_plan` raises :class:`~smartfactory.decisions.scheduling.problem.SchedulingError`.
Tests and benchmarks run every plan through it.
"""

from __future__ import annotations

import itertools

import numpy as np

from smartfactory.decisions.scheduling.plan import Plan, ScheduledOperation, evaluate
from smartfactory.decisions.scheduling.problem import Problem, SchedulingError

__all__ = ["check_plan", "validate_plan"]


def validate_plan(problem: Problem, plan: Plan, *, check_scores: bool = True) -> list[str]:
    """Every way ``plan`` breaks ``problem``'s rules (empty list: valid)."""
    out = _check_shape(problem, plan)
    if out:
        return out
    out += _check_jobs(problem, plan)
    out += _check_machines(problem, plan)
    out += _check_crew(problem, plan)
    if check_scores:
        objective, makespan, tardiness = evaluate(problem, plan.jobs)
        if (makespan, tardiness) != (plan.makespan, plan.weighted_tardiness):
            out.append(
                f"scores: plan says makespan {plan.makespan} tardiness "
                f"{plan.weighted_tardiness}, recomputed {makespan} and {tardiness}"
            )
        if plan.objective < objective:
            out.append(f"objective {plan.objective} below the recomputed {objective}")
    return out


def check_plan(problem: Problem, plan: Plan) -> None:
    """Raise :class:`SchedulingError` listing the violations when ``plan`` is invalid."""
    problems = validate_plan(problem, plan)
    if problems:
        raise SchedulingError("invalid plan: " + "; ".join(problems[:10]))


def _check_shape(problem: Problem, plan: Plan) -> list[str]:
    if len(plan.jobs) != len(problem.jobs):
        return [f"plan has {len(plan.jobs)} jobs, problem {len(problem.jobs)}"]
    out = []
    for j, (job, ops) in enumerate(zip(problem.jobs, plan.jobs, strict=True)):
        if len(ops) != len(job.operations):
            out.append(f"job {j}: {len(ops)} operations scheduled, {len(job.operations)} needed")
        for k, o in enumerate(ops):
            if (o.job, o.step) != (j, k):
                out.append(f"job {j} op {k}: labelled as job {o.job} op {o.step}")
    return out


def _check_jobs(problem: Problem, plan: Plan) -> list[str]:
    out = []
    for j, (job, ops) in enumerate(zip(problem.jobs, plan.jobs, strict=True)):
        prev_end = job.release
        for k, (op, o) in enumerate(zip(job.operations, ops, strict=True)):
            duration = op.duration_on(o.machine)
            if duration is None:
                out.append(f"job {j} op {k}: machine {o.machine} not eligible")
            elif o.end - o.start != duration:
                out.append(f"job {j} op {k}: lasts {o.end - o.start}, needs {duration}")
            if o.start < prev_end:
                what = "release" if k == 0 else "its predecessor's end"
                out.append(f"job {j} op {k}: starts at {o.start}, before {what} {prev_end}")
            prev_end = o.end
    return out


def _check_machines(problem: Problem, plan: Plan) -> list[str]:
    out: list[str] = []
    by_machine: dict[int, list[ScheduledOperation]] = {}
    for o in plan.operations():
        by_machine.setdefault(o.machine, []).append(o)
    for m, ops in by_machine.items():
        ops.sort(key=lambda o: (o.start, o.end))
        starts = np.array([o.start for o in ops], dtype=np.int64)
        ends = np.array([o.end for o in ops], dtype=np.int64)
        gaps = np.zeros(max(len(ops) - 1, 0), dtype=np.int64)
        if problem.has_setups():
            gaps = np.array(
                [problem.setup_between(a.job, b.job, b.step) for a, b in itertools.pairwise(ops)],
                dtype=np.int64,
            )
        bad = np.flatnonzero(starts[1:] < ends[:-1] + gaps)
        for i in bad[:5]:
            a, b = ops[int(i)], ops[int(i) + 1]
            out.append(
                f"machine {problem.machine_name(m)}: job {b.job} op {b.step} starts at {b.start} "
                f"before job {a.job} op {a.step} ends at {a.end} (+ setup {int(gaps[int(i)])})"
            )
        for w in problem.unavailable:
            if w.machine != m or w.end <= w.start:
                continue
            hit = np.flatnonzero((starts < w.end) & (ends > w.start) & (ends > starts))
            for i in hit[:5]:
                o = ops[int(i)]
                out.append(
                    f"machine {problem.machine_name(m)}: job {o.job} op {o.step} "
                    f"[{o.start}, {o.end}) overlaps unavailability [{w.start}, {w.end}) {w.reason}"
                )
    return out


def _check_crew(problem: Problem, plan: Plan) -> list[str]:
    if problem.crew_capacity is None:
        return []
    events: list[tuple[int, int]] = []
    for o in plan.operations():
        need = problem.jobs[o.job].operations[o.step].crew
        if need > 0 and o.end > o.start:
            events += [(o.start, need), (o.end, -need)]
    if not events:
        return []
    events.sort(key=lambda e: (e[0], e[1]))  # releases before takes at the same instant
    times = np.array([t for t, _ in events], dtype=np.int64)
    load = np.cumsum([d for _, d in events])
    over = np.flatnonzero(load > problem.crew_capacity)
    if over.size:
        i = int(over[0])
        return [f"crew: {int(load[i])} needed at {int(times[i])}, limit {problem.crew_capacity}"]
    return []
