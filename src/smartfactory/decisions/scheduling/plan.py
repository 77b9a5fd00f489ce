"""A plan: where and when each operation runs, and its objective figures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from smartfactory.decisions.scheduling.problem import Problem

__all__ = ["Plan", "ScheduledOperation", "evaluate", "make_plan"]


@dataclass(frozen=True, slots=True)
class ScheduledOperation:
    """Operation ``step`` of ``job`` runs on ``machine`` during ``[start, end)``."""

    job: int
    step: int
    machine: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A schedule of every operation (``jobs[j][k]`` is operation k of job j) and its scores.

    ``status`` is ``"optimal"`` (proven), ``"feasible"`` (solver, not proven) or
    ``"heuristic"`` (dispatching rule); ``lower_bound`` is the solver's bound on the objective.
    """

    jobs: tuple[tuple[ScheduledOperation, ...], ...]
    objective: int
    makespan: int
    weighted_tardiness: int
    status: str = "feasible"
    lower_bound: int | None = None

    def operations(self) -> Iterator[ScheduledOperation]:
        """Every scheduled operation, job by job."""
        for ops in self.jobs:
            yield from ops

    def job_end(self, job: int) -> int:
        """Completion time of ``job``."""
        return self.jobs[job][-1].end

    def on_machine(self, machine: int) -> list[ScheduledOperation]:
        """The operations on ``machine`` in start order."""
        return sorted((o for o in self.operations() if o.machine == machine), key=_key)


def _key(o: ScheduledOperation) -> tuple[int, int]:
    return (o.start, o.end)


def evaluate(
    problem: Problem, jobs: Sequence[Sequence[ScheduledOperation]]
) -> tuple[int, int, int]:
    """``(objective, makespan, weighted_tardiness)`` of a schedule under ``problem``'s weights."""
    makespan = max((ops[-1].end for ops in jobs if ops), default=0)
    tardiness = 0
    for job, ops in zip(problem.jobs, jobs, strict=True):
        if job.due is not None and ops:
            tardiness += job.weight * max(0, ops[-1].end - job.due)
    w = problem.objective
    return w.tardiness_weight * tardiness + w.makespan_weight * makespan, makespan, tardiness


def make_plan(
    problem: Problem,
    jobs: Sequence[Sequence[ScheduledOperation]],
    status: str,
    lower_bound: int | None = None,
    extra_objective: int = 0,
) -> Plan:
    """A :class:`Plan` of ``jobs`` with its scores (``extra_objective`` adds e.g. stability)."""
    objective, makespan, tardiness = evaluate(problem, jobs)
    frozen = tuple(tuple(ops) for ops in jobs)
    return Plan(frozen, objective + extra_objective, makespan, tardiness, status, lower_bound)
