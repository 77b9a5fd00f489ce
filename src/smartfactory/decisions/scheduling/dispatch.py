"""Dispatching rules: a fast list scheduler that gives a valid plan and a CP-SAT warm start.

Giffler-Thompson style: among the jobs' next operations, each placed on its machine with the
earliest completion (respecting release, predecessor, setup gap, unavailability windows and
the crew limit), take the earliest completion ``t*``; the operations that could start on that
machine before ``t*`` form the conflict set, and the rule picks one of them:

* ``edd``  earliest due date, then most work remaining;
* ``mwkr`` most work remaining (the best single rule for makespan);
* ``wspt`` weighted shortest processing time, then earliest due date.

Earliest starts and completions of all ready operations on all their machines are computed as
NumPy arrays; Python only loops over machines that have windows, and over crew operations.
Operations listed in ``fixed`` keep their machine and start (used by re-scheduling).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smartfactory.decisions.scheduling.plan import Plan, ScheduledOperation, make_plan
from smartfactory.decisions.scheduling.problem import Problem, SchedulingError

__all__ = ["RULES", "best_dispatch", "dispatch"]

RULES = ("edd", "mwkr", "wspt")


@dataclass(slots=True)
class _Candidates:
    """Flat arrays over (ready job, alternative) pairs."""

    job: NDArray[np.int64]
    machine: NDArray[np.int64]
    duration: NDArray[np.int64]
    crew: NDArray[np.int64]


def dispatch(
    problem: Problem,
    rule: str = "mwkr",
    *,
    earliest: int = 0,
    fixed: Mapping[tuple[int, int], tuple[int, int]] | None = None,
    reference: Plan | None = None,
) -> Plan:
    """A plan by the list scheduler with ``rule``; nothing unfixed starts before ``earliest``.

    ``fixed`` maps ``(job, step)`` to ``(machine, start)`` for operations that must stay put;
    they must be a prefix of their job's operations. With ``reference`` (a plan of the same
    jobs, possibly fewer), the repair rule replaces ``rule``: operations go in the reference's
    start order onto their reference machine, each as early as it now can (right shift); jobs
    the reference lacks follow by earliest completion.
    """
    if reference is None and rule not in RULES:
        raise SchedulingError(f"unknown dispatching rule {rule!r}; use one of {RULES}")
    fixed = dict(fixed or {})
    n_jobs = len(problem.jobs)
    next_step = np.zeros(n_jobs, dtype=np.int64)
    job_ready = np.array([max(j.release, earliest) for j in problem.jobs], dtype=np.int64)
    machine_free = np.zeros(problem.n_machines, dtype=np.int64)
    last_job = np.full(problem.n_machines, -1, dtype=np.int64)
    windows = _windows(problem)
    crew: list[tuple[int, int, int]] = []
    remaining = np.array(
        [
            sum(min(a.duration for a in op.alternatives) for op in j.operations)
            for j in problem.jobs
        ],
        dtype=np.int64,
    )
    due = np.array(
        [j.due if j.due is not None else np.iinfo(np.int64).max // 4 for j in problem.jobs],
        dtype=np.int64,
    )
    weight = np.array([max(j.weight, 0) for j in problem.jobs], dtype=np.float64)
    out: list[list[ScheduledOperation]] = [[] for _ in problem.jobs]

    def place(j: int, m: int, start: int, end: int) -> None:
        k = int(next_step[j])
        op = problem.jobs[j].operations[k]
        out[j].append(ScheduledOperation(j, k, m, start, end))
        next_step[j] += 1
        job_ready[j] = end
        machine_free[m] = max(int(machine_free[m]), end)
        last_job[m] = j
        remaining[j] -= min(a.duration for a in op.alternatives)
        if op.crew > 0:
            crew.append((start, end, op.crew))

    for (j, k), (m, at) in sorted(fixed.items(), key=lambda kv: kv[1][1]):
        if k != next_step[j]:
            raise SchedulingError(f"fixed operations of job {j} must be a prefix of its route")
        duration = problem.jobs[j].operations[k].duration_on(m)
        if duration is None:
            raise SchedulingError(f"fixed job {j} op {k} is on an ineligible machine {m}")
        place(j, m, at, at + duration)

    lengths = np.array([len(j.operations) for j in problem.jobs], dtype=np.int64)
    while True:
        ready = np.flatnonzero(next_step < lengths)
        if ready.size == 0:
            break
        cand = _candidates(problem, ready, next_step)
        setup = _setups(problem, cand, last_job, next_step)
        start = np.maximum(job_ready[cand.job], machine_free[cand.machine] + setup)
        start = _respect(problem, cand, start, windows, crew)
        end = start + cand.duration
        if reference is not None:
            alt = _repair_pick(reference, cand, next_step, end)
        else:
            keys = (remaining, due, weight)
            alt = _giffler_thompson(rule, cand, start, end, keys)
        j = int(cand.job[alt])
        place(j, int(cand.machine[alt]), int(start[alt]), int(end[alt]))
    return make_plan(problem, out, "heuristic")


def best_dispatch(
    problem: Problem,
    *,
    earliest: int = 0,
    fixed: Mapping[tuple[int, int], tuple[int, int]] | None = None,
) -> Plan:
    """The best plan over all :data:`RULES` by the problem's objective."""
    plans = [dispatch(problem, r, earliest=earliest, fixed=fixed) for r in RULES]
    return min(plans, key=lambda p: (p.objective, p.makespan))


def _giffler_thompson(
    rule: str,
    cand: _Candidates,
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    keys: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
) -> int:
    """The candidate the rule places next: conflict set on the earliest-completion machine."""
    best = int(np.argmin(end))
    t_star, m_star = int(end[best]), int(cand.machine[best])
    conflict = np.flatnonzero((cand.machine == m_star) & (start < t_star))
    pick = conflict[_choose(rule, cand.job[conflict], *keys)]
    j = int(cand.job[pick])
    # the chosen job goes to its own earliest-completion machine
    mine = np.flatnonzero(cand.job == j)
    return int(mine[int(np.argmin(end[mine]))])


def _repair_pick(
    reference: Plan, cand: _Candidates, step: NDArray[np.int64], end: NDArray[np.int64]
) -> int:
    """The candidate the repair rule places next (index into ``cand``)."""
    big = np.iinfo(np.int64).max // 4
    ref_start = np.full(cand.job.size, big, dtype=np.int64)
    on_ref = np.zeros(cand.job.size, dtype=bool)
    for i, (j, m) in enumerate(zip(cand.job.tolist(), cand.machine.tolist(), strict=True)):
        if j < len(reference.jobs):
            o = reference.jobs[j][int(step[j])]
            ref_start[i] = o.start
            on_ref[i] = o.machine == m
    known = ref_start < big
    if known.any():
        # earliest reference start first; its reference machine when still eligible
        first = int(ref_start[known].min())
        mine = np.flatnonzero(ref_start == first)
        j = int(cand.job[mine[0]])
        mine = np.flatnonzero(cand.job == j)
        same = mine[on_ref[mine]]
        if same.size:
            return int(same[0])
        return int(mine[int(np.argmin(end[mine]))])
    return int(np.argmin(end))


def _candidates(problem: Problem, ready: NDArray[np.int64], step: NDArray[np.int64]) -> _Candidates:
    jobs: list[int] = []
    machines: list[int] = []
    durations: list[int] = []
    crews: list[int] = []
    for j in ready.tolist():
        op = problem.jobs[j].operations[int(step[j])]
        for a in op.alternatives:
            jobs.append(j)
            machines.append(a.machine)
            durations.append(a.duration)
            crews.append(op.crew)
    return _Candidates(
        np.array(jobs, dtype=np.int64),
        np.array(machines, dtype=np.int64),
        np.array(durations, dtype=np.int64),
        np.array(crews, dtype=np.int64),
    )


def _setups(
    problem: Problem, cand: _Candidates, last_job: NDArray[np.int64], step: NDArray[np.int64]
) -> NDArray[np.int64]:
    if not problem.has_setups():
        return np.zeros(cand.job.size, dtype=np.int64)
    prev = last_job[cand.machine]
    return np.array(
        [
            problem.setup_between(int(p), int(j), int(step[j])) if p >= 0 else 0
            for p, j in zip(prev.tolist(), cand.job.tolist(), strict=True)
        ],
        dtype=np.int64,
    )


def _windows(problem: Problem) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for w in problem.unavailable:
        if w.end > w.start:
            out.setdefault(w.machine, []).append((w.start, w.end))
    for spans in out.values():
        spans.sort()
    return out


def _respect(
    problem: Problem,
    cand: _Candidates,
    start: NDArray[np.int64],
    windows: dict[int, list[tuple[int, int]]],
    crew: list[tuple[int, int, int]],
) -> NDArray[np.int64]:
    """Push starts past windows and crew peaks (only the few candidates concerned loop)."""
    needs_crew = problem.crew_capacity is not None and bool(crew)
    if not windows and not needs_crew:
        return start
    start = start.copy()
    for i in range(cand.job.size):
        m = int(cand.machine[i])
        spans = windows.get(m, [])
        need = int(cand.crew[i]) if needs_crew else 0
        if not spans and need == 0:
            continue
        s = int(start[i])
        d = int(cand.duration[i])
        moved = True
        while moved:
            moved = False
            for a, b in spans:
                if s < b and s + d > a and d > 0:
                    s, moved = b, True
            if need > 0 and problem.crew_capacity is not None:
                t = _crew_fit(crew, s, d, need, problem.crew_capacity)
                if t != s:
                    s, moved = t, True
        start[i] = s
    return start


def _crew_fit(crew: list[tuple[int, int, int]], s: int, d: int, need: int, cap: int) -> int:
    """The earliest start >= s where ``need`` crew are free for ``d``."""
    while True:
        over = [
            (a, b)
            for a, b, _ in crew
            if a < s + d and b > s and _load(crew, max(a, s), min(b, s + d)) + need > cap
        ]
        if not over:
            return s
        s = min(b for _, b in over)


def _load(crew: list[tuple[int, int, int]], lo: int, hi: int) -> int:
    """Peak crew in use within [lo, hi)."""
    points = sorted({lo} | {a for a, _, _ in crew if lo <= a < hi})
    return max(sum(c for a, b, c in crew if a <= t < b) for t in points)


def _choose(
    rule: str,
    jobs: NDArray[np.int64],
    remaining: NDArray[np.int64],
    due: NDArray[np.int64],
    weight: NDArray[np.float64],
) -> int:
    """Index into ``jobs`` of the job the rule picks (ties: lowest job index)."""
    if rule == "edd":
        keys = (jobs, -remaining[jobs], due[jobs])
    elif rule == "mwkr":
        keys = (jobs, due[jobs], -remaining[jobs])
    else:
        ratio = -(weight[jobs] + 1e-9) / np.maximum(remaining[jobs], 1)
        return int(np.lexsort((jobs, due[jobs], ratio))[0])
    return int(np.lexsort(keys)[0])
