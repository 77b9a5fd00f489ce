"""Incremental re-scheduling after an event: breakdown, rush order, late material.

1. The event changes the problem: a breakdown adds an unavailability window (an operation
   running on that machine at the time is stretched by the repair: it finishes later, on the
   same machine); a rush order adds a job; late material moves a job's release later.
2. Operations that already started (``start < now``) are frozen, and so are those starting
   within ``frozen_horizon`` after ``now``, unless the event makes their slot impossible (they
   then move, with the rest of their job).
3. CP-SAT re-solves the rest (nothing starts before ``now``) with a stability term: per unit of
   start deviation and per machine change against the current plan, so the new plan moves only
   what it must or what pays for itself.
4. :class:`PlanDiff` lists every changed operation with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.decisions.scheduling.cpsat import Stability
from smartfactory.decisions.scheduling.dispatch import dispatch
from smartfactory.decisions.scheduling.plan import Plan, ScheduledOperation
from smartfactory.decisions.scheduling.problem import (
    Alternative,
    Job,
    Operation,
    Problem,
    SchedulingError,
    Window,
)
from smartfactory.decisions.scheduling.solver import SolveOptions, solve

__all__ = [
    "AppliedEvents",
    "Breakdown",
    "Event",
    "LateMaterial",
    "PlanChange",
    "PlanDiff",
    "RescheduleOptions",
    "RescheduleResult",
    "RushOrder",
    "apply_events",
    "reschedule",
]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Breakdown(_Event):
    """Machine ``machine`` is down over ``[start, start + duration)`` (model time)."""

    kind: Literal["breakdown"] = "breakdown"
    machine: int = Field(ge=0)
    start: int
    duration: int = Field(gt=0)


class RushOrder(_Event):
    """A new job to fit in (its ``release`` and ``due`` in model time)."""

    kind: Literal["rush_order"] = "rush_order"
    job: Job


class LateMaterial(_Event):
    """Material for job ``job`` arrives late: it cannot start before ``release``."""

    kind: Literal["late_material"] = "late_material"
    job: int = Field(ge=0)
    release: int = Field(ge=0)


Event = Annotated[Breakdown | RushOrder | LateMaterial, Field(discriminator="kind")]


class RescheduleOptions(BaseModel):
    """Frozen horizon, stability weights and the time limit of a re-scheduling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    frozen_horizon: int = Field(default=0, ge=0, description="Model time after now kept as is.")
    start_weight: int = Field(default=1, ge=0, description="Penalty per unit of start shift.")
    machine_weight: int = Field(default=30, ge=0, description="Penalty per machine change.")
    time_limit_s: float = Field(default=1.2, gt=0, description="Search time.")
    workers: int = Field(default=2, ge=1, le=64)
    seed: int = Field(default=0, ge=0)


@dataclass(frozen=True, slots=True)
class PlanChange:
    """How one operation moved, and why."""

    job: int
    step: int
    old_machine: int | None
    new_machine: int
    old_start: int | None
    new_start: int
    reason: str


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """The changed operations of a re-scheduling (unchanged ones are not listed)."""

    changes: tuple[PlanChange, ...]
    frozen: int
    total: int

    @property
    def moved(self) -> int:
        """Existing operations whose start or machine changed."""
        return sum(1 for c in self.changes if c.old_start is not None)

    @property
    def machine_changes(self) -> int:
        """Existing operations now on another machine."""
        return sum(
            1 for c in self.changes if c.old_machine is not None and c.old_machine != c.new_machine
        )

    def summary(self) -> str:
        """One line for people."""
        added = len(self.changes) - self.moved
        return (
            f"{self.moved} of {self.total} operations moved ({self.machine_changes} to another "
            f"machine), {added} added, {self.frozen} frozen"
        )


@dataclass(frozen=True, slots=True)
class RescheduleResult:
    """The changed problem, the new plan, what changed, and how long it took."""

    problem: Problem
    plan: Plan
    diff: PlanDiff
    seconds: float


@dataclass(frozen=True, slots=True)
class AppliedEvents:
    """The problem after the events; stretched operations and why they changed."""

    problem: Problem
    stretched: dict[tuple[int, int], int]
    reasons: dict[tuple[int, int], str]


def apply_events(problem: Problem, plan: Plan, events: Sequence[Event], now: int) -> AppliedEvents:
    """The problem after ``events``; operations running into a breakdown are stretched."""
    jobs = list(problem.jobs)
    windows = list(problem.unavailable)
    stretched: dict[tuple[int, int], int] = {}
    reasons: dict[tuple[int, int], str] = {}
    for event in events:
        if isinstance(event, Breakdown):
            if event.machine >= problem.n_machines:
                raise SchedulingError(f"breakdown of unknown machine {event.machine}")
            running = [
                o
                for o in plan.operations()
                if o.machine == event.machine and o.start < now and o.start <= event.start < o.end
            ]
            if running:
                o = running[0]
                end = _resumed_end(windows, o, event)
                windows = _clip(windows, o.machine, o.start, end)
                jobs[o.job] = _stretch(jobs[o.job], o.step, o.machine, end - o.end)
                stretched[(o.job, o.step)] = end - o.end
                reasons[(o.job, o.step)] = f"interrupted by a breakdown of machine {o.machine}"
            else:
                end = event.start + event.duration
                windows.append(Window(event.machine, event.start, end, "breakdown"))
        elif isinstance(event, RushOrder):
            jobs.append(event.job)
        else:
            if event.job >= len(jobs):
                raise SchedulingError(f"late material for unknown job {event.job}")
            if event.job < len(plan.jobs) and plan.jobs[event.job][0].start < now:
                raise SchedulingError(f"late material for job {event.job}, which already started")
            jobs[event.job] = replace(jobs[event.job], release=event.release)
    new = Problem(
        tuple(jobs),
        problem.n_machines,
        problem.machine_names,
        tuple(windows),
        problem.setup_matrix,
        problem.crew_capacity,
        problem.objective,
    )
    return AppliedEvents(new, stretched, reasons)


def _resumed_end(windows: list[Window], o: ScheduledOperation, event: Breakdown) -> int:
    """When an operation interrupted by ``event`` ends.

    It resumes after the repair and pauses again over any later window of its machine.
    """
    t = event.start + event.duration
    left = o.end - event.start
    spans = sorted((w.start, w.end) for w in windows if w.machine == o.machine and w.end > t)
    for a, b in spans:
        if a >= t + left:
            break
        if a > t:
            left -= a - t
        t = max(t, b)
    return t + left


def _clip(windows: list[Window], machine: int, start: int, end: int) -> list[Window]:
    """``windows`` without their parts on ``machine`` inside ``[start, end)``."""
    out: list[Window] = []
    for w in windows:
        if w.machine != machine or w.end <= start or w.start >= end:
            out.append(w)
            continue
        if w.start < start:
            out.append(replace(w, end=start))
        if w.end > end:
            out.append(replace(w, start=end))
    return out


def _stretch(job: Job, step: int, machine: int, extra: int) -> Job:
    op = job.operations[step]
    alts = tuple(
        Alternative(a.machine, a.duration + extra) if a.machine == machine else a
        for a in op.alternatives
    )
    ops = list(job.operations)
    ops[step] = Operation(alts, op.setup, op.crew, op.name)
    return replace(job, operations=tuple(ops))


def reschedule(
    problem: Problem,
    plan: Plan,
    events: Sequence[Event],
    now: int,
    options: RescheduleOptions | None = None,
) -> RescheduleResult:
    """A new valid plan after ``events`` at model time ``now``, and the diff to ``plan``."""
    options = options or RescheduleOptions()
    began = time.monotonic()
    applied = apply_events(problem, plan, events, now)
    new = applied.problem
    fixed = _frozen(new, plan, applied, now, options.frozen_horizon)
    stability = Stability(plan, options.start_weight, options.machine_weight)
    repaired = dispatch(new, earliest=now, fixed=fixed, reference=plan)
    solved = solve(
        new,
        SolveOptions(
            time_limit_s=options.time_limit_s,
            workers=options.workers,
            seed=options.seed,
            first_phase=1.0,
            lns=False,
        ),
        earliest=now,
        fixed=fixed,
        stability=stability,
        start_plan=repaired,
    )
    diff = _diff(new, old=plan, new=solved, applied=applied, fixed=fixed, events=events)
    return RescheduleResult(new, solved, diff, time.monotonic() - began)


def _frozen(
    problem: Problem, plan: Plan, applied: AppliedEvents, now: int, horizon: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """Started operations, plus those inside the frozen horizon whose slot still works."""
    fixed: dict[tuple[int, int], tuple[int, int]] = {}
    for j, ops in enumerate(plan.jobs):
        job = problem.jobs[j]
        prev_end = job.release
        for o in ops:
            started = o.start < now
            if not started and (o.start >= now + horizon or o.start < prev_end):
                break
            duration = job.operations[o.step].duration_on(o.machine) or 0
            if not started and not _slot_free(problem, plan, fixed, o, duration):
                break
            fixed[(j, o.step)] = (o.machine, o.start)
            prev_end = o.start + duration
    return fixed


def _slot_free(
    problem: Problem,
    plan: Plan,
    fixed: dict[tuple[int, int], tuple[int, int]],
    o: ScheduledOperation,
    duration: int,
) -> bool:
    end = o.start + duration
    for w in problem.unavailable:
        if w.machine == o.machine and w.start < end and w.end > o.start:
            return False
    for (j, k), (m, s) in fixed.items():
        if m != o.machine:
            continue
        e = s + (problem.jobs[j].operations[k].duration_on(m) or 0)
        if s < end and e > o.start:
            return False
    del plan
    return True


def _diff(
    problem: Problem,
    *,
    old: Plan,
    new: Plan,
    applied: AppliedEvents,
    fixed: dict[tuple[int, int], tuple[int, int]],
    events: Sequence[Event],
) -> PlanDiff:
    late = {e.job: e.release for e in events if isinstance(e, LateMaterial)}
    downs = [w for w in problem.unavailable if w.reason == "breakdown"]
    changes: list[PlanChange] = []
    for o in new.operations():
        if o.job >= len(old.jobs):
            changes.append(PlanChange(o.job, o.step, None, o.machine, None, o.start, "rush order"))
            continue
        before = old.jobs[o.job][o.step]
        if (before.machine, before.start, before.end) == (o.machine, o.start, o.end):
            continue
        reason = applied.reasons.get((o.job, o.step))
        if reason is None and o.job in late and before.start < late[o.job]:
            reason = f"late material: job {o.job} released at {late[o.job]}"
        if reason is None:
            hit = [
                w
                for w in downs
                if w.machine == before.machine and w.start < before.end and w.end > before.start
            ]
            if hit:
                reason = f"machine {before.machine} breaks down over [{hit[0].start}, {hit[0].end})"
        changes.append(
            PlanChange(
                o.job,
                o.step,
                before.machine,
                o.machine,
                before.start,
                o.start,
                reason or "knock-on: re-optimised around the event",
            )
        )
    return PlanDiff(tuple(changes), len(fixed), sum(len(ops) for ops in new.jobs))
