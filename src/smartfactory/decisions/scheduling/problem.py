"""The flexible job-shop problem: jobs, operations with alternative machines, windows, crew.

Times are integers in one model unit (the plant builder uses minutes of working time; the
benchmarks use the data set's units). A job's operations run in order (an operation starts
after its predecessor ends). Each operation runs on exactly one of its alternatives, with that
alternative's duration, without pre-emption, and never during a machine's unavailability
window. Changing from a job of one ``family`` (product) to another on a machine needs a setup
gap: ``setup_matrix[f_prev][f_next]`` when a matrix is given, otherwise the next operation's
own ``setup`` whenever the families differ. Operations with ``crew > 0`` share the crew limit
(a cumulative resource) when one is set.

The objective is ``tardiness_weight * sum(weight_j * tardiness_j) + makespan_weight *
makespan`` (see :class:`Objective`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.errors import FactoryError

__all__ = [
    "Alternative",
    "Job",
    "Objective",
    "Operation",
    "Problem",
    "SchedulingError",
    "Window",
    "flat_index",
]


class SchedulingError(FactoryError):
    """A scheduling problem is malformed or has no feasible plan."""


class Objective(BaseModel):
    """Weights of the objective terms (integers, as CP-SAT needs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tardiness_weight: int = Field(default=1, ge=0, description="Per unit of weighted tardiness.")
    makespan_weight: int = Field(default=0, ge=0, description="Per unit of makespan.")


MAKESPAN = Objective(tardiness_weight=0, makespan_weight=1)


@dataclass(frozen=True, slots=True)
class Alternative:
    """One machine able to run an operation, and how long it takes there."""

    machine: int
    duration: int


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of a job: its alternatives, setup when changing family, crew needed."""

    alternatives: tuple[Alternative, ...]
    setup: int = 0
    crew: int = 0
    name: str = ""

    def machines(self) -> tuple[int, ...]:
        """The eligible machines, in alternative order."""
        return tuple(a.machine for a in self.alternatives)

    def duration_on(self, machine: int) -> int | None:
        """The duration on ``machine``, None when it is not eligible."""
        for a in self.alternatives:
            if a.machine == machine:
                return a.duration
        return None


@dataclass(frozen=True, slots=True)
class Job:
    """A sequence of operations with release, due date, weight and setup family."""

    operations: tuple[Operation, ...]
    release: int = 0
    due: int | None = None
    weight: int = 1
    family: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    """A time ``[start, end)`` when ``machine`` cannot work (shift off, maintenance, breakdown)."""

    machine: int
    start: int
    end: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """A flexible job-shop instance (see the module docstring for the semantics)."""

    jobs: tuple[Job, ...]
    n_machines: int
    machine_names: tuple[str, ...] = ()
    unavailable: tuple[Window, ...] = ()
    setup_matrix: tuple[tuple[int, ...], ...] | None = None
    crew_capacity: int | None = None
    objective: Objective = field(default_factory=Objective)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SchedulingError("invalid scheduling problem: " + "; ".join(problems[:5]))

    def problems(self) -> list[str]:
        """What is malformed (empty when the problem is well formed)."""
        out = self._problems_global()
        for j, job in enumerate(self.jobs):
            out += self._problems_of(j, job)
        return out

    def _problems_global(self) -> list[str]:
        out: list[str] = []
        if self.n_machines < 1:
            out.append("n_machines must be >= 1")
        if self.machine_names and len(self.machine_names) != self.n_machines:
            out.append("machine_names must name every machine")
        families = {j.family for j in self.jobs}
        if self.setup_matrix is not None:
            size = len(self.setup_matrix)
            if any(len(row) != size for row in self.setup_matrix) or any(
                f < 0 or f >= size for f in families
            ):
                out.append("setup_matrix must be square and cover every job family")
        for w in self.unavailable:
            if not 0 <= w.machine < self.n_machines or w.end < w.start:
                out.append(f"bad unavailability window {w}")
        return out

    def _problems_of(self, j: int, job: Job) -> list[str]:
        out: list[str] = []
        if not job.operations:
            out.append(f"job {j} has no operations")
        if job.weight < 0 or job.release < 0:
            out.append(f"job {j}: weight and release must be >= 0")
        for k, op in enumerate(job.operations):
            machines = op.machines()
            if not machines or len(set(machines)) != len(machines):
                out.append(f"job {j} op {k}: alternatives must name distinct machines")
            if any(m < 0 or m >= self.n_machines for m in machines):
                out.append(f"job {j} op {k}: machine out of range")
            if any(a.duration < 0 for a in op.alternatives) or op.setup < 0 or op.crew < 0:
                out.append(f"job {j} op {k}: durations, setup and crew must be >= 0")
            if self.crew_capacity is not None and op.crew > self.crew_capacity:
                out.append(f"job {j} op {k}: needs more crew than the limit")
        return out

    @property
    def n_operations(self) -> int:
        """Operations in all jobs."""
        return sum(len(j.operations) for j in self.jobs)

    def machine_name(self, machine: int) -> str:
        """A readable name of machine ``machine``."""
        return self.machine_names[machine] if self.machine_names else f"m{machine}"

    def setup_between(self, prev_job: int, next_job: int, next_op: int) -> int:
        """Setup gap needed on a machine between an operation of ``prev_job`` and the next."""
        fa, fb = self.jobs[prev_job].family, self.jobs[next_job].family
        if self.setup_matrix is not None:
            return self.setup_matrix[fa][fb]
        if fa == fb:
            return 0
        return self.jobs[next_job].operations[next_op].setup

    def has_setups(self) -> bool:
        """Whether any changeover needs time."""
        if self.setup_matrix is not None:
            return any(v > 0 for row in self.setup_matrix for v in row)
        families = {j.family for j in self.jobs}
        return len(families) > 1 and any(op.setup > 0 for j in self.jobs for op in j.operations)

    def with_objective(self, objective: Objective) -> Problem:
        """The same problem with other objective weights."""
        return Problem(
            self.jobs,
            self.n_machines,
            self.machine_names,
            self.unavailable,
            self.setup_matrix,
            self.crew_capacity,
            objective,
        )


@dataclass(frozen=True, slots=True, eq=False)
class FlatIndex:
    """Operations numbered 0..n-1 job by job, with per-operation arrays."""

    job: NDArray[np.int64]
    step: NDArray[np.int64]
    offset: NDArray[np.int64]
    min_duration: NDArray[np.int64]
    head: NDArray[np.int64]
    tail: NDArray[np.int64]

    def index(self, job: int, step: int) -> int:
        """The flat index of operation ``step`` of ``job``."""
        return int(self.offset[job]) + step


def flat_index(problem: Problem) -> FlatIndex:
    """Flat numbering of ``problem``'s operations with heads and tails (min-duration sums)."""
    lengths = np.array([len(j.operations) for j in problem.jobs], dtype=np.int64)
    offset = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    job = np.repeat(np.arange(len(problem.jobs), dtype=np.int64), lengths)
    step = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(offset, lengths)
    min_d = np.array(
        [min(a.duration for a in op.alternatives) for j in problem.jobs for op in j.operations],
        dtype=np.int64,
    )
    release = np.array([j.release for j in problem.jobs], dtype=np.int64)
    csum = np.cumsum(min_d)
    start_of_job = np.repeat(csum[offset] - min_d[offset], lengths)
    head = csum - min_d - start_of_job + np.repeat(release, lengths)
    job_total = np.repeat(np.add.reduceat(min_d, offset) if len(min_d) else min_d, lengths)
    tail = job_total - (csum - start_of_job)
    return FlatIndex(job, step, offset, min_d, head, tail)
