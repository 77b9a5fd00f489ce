"""The CP-SAT model of a :class:`~smartfactory.decisions.scheduling.problem.Problem`.

One start variable per operation; one optional fixed-size interval per alternative sharing that
start (exactly one present; the end is ``start + sum(duration_a * present_a)``); ``NoOverlap``
per machine over its alternatives' intervals plus fixed intervals for unavailability windows;
``Cumulative`` over crew operations; a ``Circuit`` per machine with sequence arcs only when
changeovers need time. Domains are tightened by heads (release + minimum work before) and
tails (minimum work after) against a safe horizon; the makespan gets the machine-load bound.

Re-scheduling adds *fixed* operations (machine and start pinned), an ``earliest`` start for the
rest, and a stability term (absolute start deviation and machine changes against a reference
plan). :mod:`~smartfactory.decisions.scheduling.lns` adds ordering constraints on top.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from smartfactory.decisions.scheduling.plan import Plan, ScheduledOperation
from smartfactory.decisions.scheduling.problem import FlatIndex, Problem, flat_index

FULL_CIRCUIT = 12
"""Machines with at most this many candidate operations get every sequence arc."""
ARC_WINDOW = 6
"""Beyond that, arcs join operations at most this many places apart in the reference order."""

__all__ = [
    "ARC_WINDOW",
    "FULL_CIRCUIT",
    "CpHandles",
    "Stability",
    "add_hint",
    "build_model",
    "merged_windows",
    "read_solution",
    "safe_horizon",
]


@dataclass(frozen=True, slots=True)
class Stability:
    """Penalty for moving away from ``reference``: per time unit of start shift, per change."""

    reference: Plan
    start_weight: int = 1
    machine_weight: int = 10


@dataclass(slots=True, eq=False)
class Choice:
    """One alternative of an operation in the model (``present`` None: the only one)."""

    machine: int
    duration: int
    interval: cp_model.IntervalVar
    present: cp_model.IntVar | None


@dataclass(slots=True, eq=False)
class MachineArcs:
    """The sequence literals of one machine's circuit (by flat operation index)."""

    empty: cp_model.IntVar
    first: dict[int, cp_model.IntVar] = field(default_factory=dict)
    last: dict[int, cp_model.IntVar] = field(default_factory=dict)
    pair: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class CpHandles:
    """The model and its variables, by flat operation index."""

    model: cp_model.CpModel
    index: FlatIndex
    starts: list[cp_model.IntVar]
    ends: list[cp_model.IntVar]
    choices: list[list[Choice]]
    horizon: int
    latest_end: int
    makespan: cp_model.IntVar | None = None
    stability_terms: list[cp_model.LinearExprT] = field(default_factory=list)
    arcs: dict[int, MachineArcs] = field(default_factory=dict)
    late: list[tuple[cp_model.IntVar, int, int]] = field(default_factory=list)
    deviations: list[tuple[cp_model.IntVar, int, int]] = field(default_factory=list)

    def present(self, op: int, machine: int) -> cp_model.IntVar | bool:
        """The literal 'operation ``op`` runs on ``machine``' (a constant for single choices)."""
        for c in self.choices[op]:
            if c.machine == machine:
                return True if c.present is None else c.present
        return False


def safe_horizon(problem: Problem, earliest: int = 0, fixed_end: int = 0) -> int:
    """A time by which some valid plan surely ends (a serial plan after every window)."""
    start = max(
        [earliest, fixed_end]
        + [j.release for j in problem.jobs]
        + [w.end for w in problem.unavailable]
    )
    work = sum(
        max(a.duration for a in op.alternatives) for j in problem.jobs for op in j.operations
    )
    setups = 0
    if problem.has_setups():
        if problem.setup_matrix is not None:
            biggest = max(v for row in problem.setup_matrix for v in row)
            setups = biggest * problem.n_operations
        else:
            setups = sum(op.setup for j in problem.jobs for op in j.operations)
    return start + work + setups + 1


def build_model(
    problem: Problem,
    horizon: int,
    *,
    earliest: int = 0,
    fixed: Mapping[tuple[int, int], tuple[int, int]] | None = None,
    stability: Stability | None = None,
    sequence_reference: Plan | None = None,
) -> CpHandles:
    """The CP-SAT model of ``problem`` with every operation ending by ``horizon``.

    On a machine with more than :data:`FULL_CIRCUIT` candidate operations and setups, the
    circuit only offers arcs between operations at most :data:`ARC_WINDOW` apart in
    ``sequence_reference``'s start order (plus its own machine sequences), which keeps the model
    small; every plan it admits is still valid.
    """
    model = cp_model.CpModel()
    idx = flat_index(problem)
    fixed = fixed or {}
    starts: list[cp_model.IntVar] = []
    ends: list[cp_model.IntVar] = []
    choices: list[list[Choice]] = []
    latest_end = horizon
    for i in range(len(idx.job)):
        j, k = int(idx.job[i]), int(idx.step[i])
        op = problem.jobs[j].operations[k]
        pinned = fixed.get((j, k))
        lo = int(idx.head[i]) if pinned else max(int(idx.head[i]), earliest)
        hi = horizon - int(idx.tail[i])
        if pinned is not None:
            lo = hi = pinned[1]
            hi_end = pinned[1] + (op.duration_on(pinned[0]) or 0)
            horizon_end = max(hi_end, horizon)
            latest_end = max(latest_end, hi_end)
        else:
            horizon_end = horizon
        start = model.new_int_var(lo, max(lo, hi), f"s{j}_{k}")
        end = model.new_int_var(lo, horizon_end, f"e{j}_{k}")
        alts = op.alternatives
        if pinned is not None:
            alts = tuple(a for a in alts if a.machine == pinned[0])
        row: list[Choice] = []
        if len(alts) == 1:
            a = alts[0]
            iv = model.new_interval_var(start, a.duration, end, f"i{j}_{k}")
            row.append(Choice(a.machine, a.duration, iv, None))
        else:
            lits = []
            for a in alts:
                lit = model.new_bool_var(f"p{j}_{k}_{a.machine}")
                iv = model.new_optional_fixed_size_interval_var(
                    start, a.duration, lit, f"i{j}_{k}_{a.machine}"
                )
                row.append(Choice(a.machine, a.duration, iv, lit))
                lits.append(lit)
            model.add_exactly_one(lits)
            model.add(
                end == start + sum(a.duration * lit for a, lit in zip(alts, lits, strict=True))
            )
        starts.append(start)
        ends.append(end)
        choices.append(row)
    handles = CpHandles(model, idx, starts, ends, choices, horizon, latest_end)
    _precedences(problem, handles)
    _machines(problem, handles, sequence_reference)
    _crew(problem, handles)
    _objective(problem, handles, stability, fixed)
    return handles


def _precedences(problem: Problem, h: CpHandles) -> None:
    for j, job in enumerate(problem.jobs):
        base = int(h.index.offset[j])
        for k in range(1, len(job.operations)):
            h.model.add(h.starts[base + k] >= h.ends[base + k - 1])


def _machines(problem: Problem, h: CpHandles, reference: Plan | None) -> None:
    per_machine: dict[int, list[tuple[int, Choice]]] = {}
    for i, row in enumerate(h.choices):
        for c in row:
            per_machine.setdefault(c.machine, []).append((i, c))
    windows: dict[int, list[cp_model.IntervalVar]] = {}
    for m, spans in merged_windows(problem).items():
        per_machine.setdefault(m, [])
        windows[m] = [h.model.new_fixed_size_interval_var(a, b - a, f"off{m}") for a, b in spans]
    setups = problem.has_setups()
    for m, items in per_machine.items():
        intervals = [c.interval for _, c in items] + windows.get(m, [])
        if len(intervals) > 1:
            h.model.add_no_overlap(intervals)
        if setups and len(items) > 1:
            allowed = _allowed_arcs(h, items, reference, m)
            h.arcs[m] = _circuit(problem, h, items, allowed)


def merged_windows(problem: Problem) -> dict[int, list[tuple[int, int]]]:
    """Each machine's unavailability as sorted, disjoint ``(start, end)`` spans."""
    raw: dict[int, list[tuple[int, int]]] = {}
    for w in problem.unavailable:
        if w.end > w.start:
            raw.setdefault(w.machine, []).append((w.start, w.end))
    out: dict[int, list[tuple[int, int]]] = {}
    for m, spans in raw.items():
        merged: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out[m] = merged
    return out


def _allowed_arcs(
    h: CpHandles, items: list[tuple[int, Choice]], reference: Plan | None, machine: int
) -> set[tuple[int, int]] | None:
    """Arcs (flat index pairs) the circuit may use; None: all of them."""
    if reference is None or len(items) <= FULL_CIRCUIT:
        return None
    ops = [i for i, _ in items]
    start = {
        i: reference.jobs[int(h.index.job[i])][int(h.index.step[i])].start
        for i in ops
        if int(h.index.job[i]) < len(reference.jobs)
    }
    late = max(start.values(), default=0) + 1
    ranked = sorted(ops, key=lambda i: (start.get(i, late), i))
    allowed = {
        (a, b)
        for pos, a in enumerate(ranked)
        for b in ranked[max(0, pos - ARC_WINDOW) : pos + ARC_WINDOW + 1]
        if a != b
    }
    seq = [
        h.index.index(o.job, o.step)
        for o in reference.on_machine(machine)
        if o.job < len(h.index.offset)
    ]
    allowed.update(itertools.pairwise(seq))
    return allowed


def _circuit(
    problem: Problem,
    h: CpHandles,
    items: list[tuple[int, Choice]],
    allowed: set[tuple[int, int]] | None,
) -> MachineArcs:
    """Sequence arcs on one machine so that changeovers leave their setup gap."""
    model = h.model
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    empty = model.new_bool_var("empty")
    found = MachineArcs(empty)
    arcs.append((0, 0, empty))
    for a, (i, ci) in enumerate(items, start=1):
        found.first[i] = model.new_bool_var("")
        found.last[i] = model.new_bool_var("")
        arcs.append((0, a, found.first[i]))
        arcs.append((a, 0, found.last[i]))
        if ci.present is not None:
            arcs.append((a, a, ci.present.Not()))
        else:
            model.add(empty == 0)
        ji, ki = int(h.index.job[i]), int(h.index.step[i])
        for b, (n, _cn) in enumerate(items, start=1):
            if a == b:
                continue
            jn, kn = int(h.index.job[n]), int(h.index.step[n])
            if ji == jn and kn < ki:
                continue  # a later step of a job never precedes an earlier one
            if allowed is not None and (i, n) not in allowed:
                continue
            lit = model.new_bool_var("")
            arcs.append((a, b, lit))
            found.pair[(i, n)] = lit
            gap = problem.setup_between(ji, jn, kn)
            model.add(h.starts[n] >= h.ends[i] + gap).only_enforce_if(lit)
    model.add_circuit(arcs)
    return found


def _crew(problem: Problem, h: CpHandles) -> None:
    if problem.crew_capacity is None:
        return
    intervals: list[cp_model.IntervalVar] = []
    demands: list[int] = []
    for i, row in enumerate(h.choices):
        need = problem.jobs[int(h.index.job[i])].operations[int(h.index.step[i])].crew
        if need > 0:
            for c in row:
                intervals.append(c.interval)
                demands.append(need)
    if intervals:
        h.model.add_cumulative(intervals, demands, problem.crew_capacity)


def _objective(
    problem: Problem,
    h: CpHandles,
    stability: Stability | None,
    fixed: Mapping[tuple[int, int], tuple[int, int]],
) -> None:
    model = h.model
    w = problem.objective
    terms: list[cp_model.LinearExprT] = []
    last = [int(h.index.offset[j]) + len(job.operations) - 1 for j, job in enumerate(problem.jobs)]
    if w.makespan_weight > 0:
        lb = _load_bound(problem)
        h.makespan = model.new_int_var(lb, max(lb, h.latest_end), "cmax")
        model.add_max_equality(h.makespan, [h.ends[i] for i in last])
        terms.append(w.makespan_weight * h.makespan)
    if w.tardiness_weight > 0:
        for j, job in enumerate(problem.jobs):
            if job.due is None or job.weight == 0:
                continue
            late = model.new_int_var(0, max(0, h.latest_end - job.due), f"t{j}")
            model.add(late >= h.ends[last[j]] - job.due)
            h.late.append((late, last[j], job.due))
            terms.append(w.tardiness_weight * job.weight * late)
    if stability is not None:
        h.stability_terms = _stability(problem, h, stability, fixed)
        terms.extend(h.stability_terms)
    model.minimize(sum(terms) if terms else 0)


def _stability(
    problem: Problem,
    h: CpHandles,
    stability: Stability,
    fixed: Mapping[tuple[int, int], tuple[int, int]],
) -> list[cp_model.LinearExprT]:
    terms: list[cp_model.LinearExprT] = []
    ref = stability.reference
    for j, ops in enumerate(ref.jobs):
        if j >= len(problem.jobs):
            break
        for o in ops:
            if (j, o.step) in fixed or o.step >= len(problem.jobs[j].operations):
                continue
            i = h.index.index(j, o.step)
            if stability.start_weight > 0:
                dev = h.model.new_int_var(0, h.latest_end + abs(o.start), f"d{j}_{o.step}")
                h.model.add(dev >= h.starts[i] - o.start)
                h.model.add(dev >= o.start - h.starts[i])
                h.deviations.append((dev, i, o.start))
                terms.append(stability.start_weight * dev)
            if stability.machine_weight > 0:
                lit = h.present(i, o.machine)
                if isinstance(lit, bool):
                    if not lit:
                        terms.append(stability.machine_weight)
                else:
                    terms.append(stability.machine_weight * (1 - lit))
    return terms


def _load_bound(problem: Problem) -> int:
    """Makespan lower bound: machine loads of single-choice operations, and job lengths."""
    load = np.zeros(problem.n_machines, dtype=np.int64)
    job_lb = 0
    for job in problem.jobs:
        total = job.release
        for op in job.operations:
            if len(op.alternatives) == 1:
                load[op.alternatives[0].machine] += op.alternatives[0].duration
            total += min(a.duration for a in op.alternatives)
        job_lb = max(job_lb, total)
    return int(max(int(load.max()) if load.size else 0, job_lb))


def read_solution(
    problem: Problem, h: CpHandles, solver: cp_model.CpSolver
) -> list[list[ScheduledOperation]]:
    """The schedule in the solver's current solution."""
    out: list[list[ScheduledOperation]] = [[] for _ in problem.jobs]
    for i, row in enumerate(h.choices):
        j, k = int(h.index.job[i]), int(h.index.step[i])
        chosen = row[0]
        for c in row:
            if c.present is None or solver.boolean_value(c.present):
                chosen = c
                break
        s = int(solver.value(h.starts[i]))
        out[j].append(ScheduledOperation(j, k, chosen.machine, s, s + chosen.duration))
    return out


def add_hint(h: CpHandles, plan: Plan) -> None:
    """Warm-start the model from ``plan`` (start values and machine choices)."""
    for i, row in enumerate(h.choices):
        o = plan.jobs[int(h.index.job[i])][int(h.index.step[i])]
        h.model.add_hint(h.starts[i], o.start)
        h.model.add_hint(h.ends[i], o.end)
        for c in row:
            if c.present is not None:
                h.model.add_hint(c.present, c.machine == o.machine)
    if h.makespan is not None:
        h.model.add_hint(h.makespan, plan.makespan)
    for var, i, due in h.late:
        o = plan.jobs[int(h.index.job[i])][int(h.index.step[i])]
        h.model.add_hint(var, max(0, o.end - due))
    for var, i, ref in h.deviations:
        o = plan.jobs[int(h.index.job[i])][int(h.index.step[i])]
        h.model.add_hint(var, abs(o.start - ref))
    for m, arcs in h.arcs.items():
        seq = [h.index.index(o.job, o.step) for o in plan.on_machine(m)]
        h.model.add_hint(arcs.empty, not seq)
        chosen = set(itertools.pairwise(seq))
        for i, lit in arcs.first.items():
            h.model.add_hint(lit, bool(seq) and i == seq[0])
        for i, lit in arcs.last.items():
            h.model.add_hint(lit, bool(seq) and i == seq[-1])
        for pair, lit in arcs.pair.items():
            h.model.add_hint(lit, pair in chosen)
