"""Large-neighbourhood search over CP-SAT: relax part of the incumbent, fix the rest, re-solve.

A neighbourhood is a set of operations to *relax*; every other operation keeps its machine and
its order relative to the other kept operations on that machine (not its start time, so the
kept part can still shift). Three kinds, drawn in turn with the injected generator:

* ``machines``: all operations on a few random machines (and, for flexible problems, the
  operations that could move to them);
* ``window``: all operations starting inside a random time window;
* ``jobs``: all operations of a few random jobs (critical-end jobs are favoured).

The relaxed share adapts: it grows after a sub-problem is solved to optimality (the
neighbourhood was too small to improve) and shrinks after a sub-problem times out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from smartfactory.decisions.scheduling.cpsat import CpHandles
from smartfactory.decisions.scheduling.plan import Plan
from smartfactory.decisions.scheduling.problem import Problem

__all__ = ["Neighbourhood", "fix_outside", "pick_neighbourhood"]

KINDS = ("machines", "window", "jobs")


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The relaxed operations, as ``(job, step)`` pairs, and how they were chosen."""

    kind: str
    relaxed: frozenset[tuple[int, int]]


def pick_neighbourhood(
    problem: Problem, plan: Plan, share: float, rng: np.random.Generator, iteration: int
) -> Neighbourhood:
    """A neighbourhood relaxing about ``share`` of the operations."""
    kind = KINDS[iteration % len(KINDS)]
    ops = list(plan.operations())
    target = max(2, round(share * len(ops)))
    if kind == "machines":
        order = rng.permutation(problem.n_machines)
        relaxed: set[tuple[int, int]] = set()
        for m in order.tolist():
            relaxed |= {(o.job, o.step) for o in ops if o.machine == m}
            if len(relaxed) >= target:
                break
    elif kind == "window":
        starts = np.array([o.start for o in ops], dtype=np.int64)
        order = np.argsort(starts, kind="stable")
        first = int(rng.integers(0, max(1, len(ops) - target + 1)))
        chosen = order[first : first + target]
        relaxed = {(ops[i].job, ops[i].step) for i in chosen.tolist()}
    else:
        ends = np.array([plan.job_end(j) for j in range(len(plan.jobs))], dtype=np.float64)
        weights = ends - ends.min() + 1.0
        order = rng.choice(
            len(plan.jobs), size=len(plan.jobs), replace=False, p=weights / weights.sum()
        )
        relaxed = set()
        for j in order.tolist():
            relaxed |= {(j, k) for k in range(len(plan.jobs[j]))}
            if len(relaxed) >= target:
                break
    return Neighbourhood(kind, frozenset(relaxed))


def fix_outside(problem: Problem, h: CpHandles, plan: Plan, hood: Neighbourhood) -> None:
    """Keep machine and machine order of every operation of ``plan`` outside ``hood``."""
    setups = problem.has_setups()
    for m in range(problem.n_machines):
        kept = [o for o in plan.on_machine(m) if (o.job, o.step) not in hood.relaxed]
        for o in kept:
            lit = h.present(h.index.index(o.job, o.step), m)
            if not isinstance(lit, bool):
                h.model.add(lit == 1)
        for a, b in itertools.pairwise(kept):
            gap = problem.setup_between(a.job, b.job, b.step) if setups else 0
            ia, ib = h.index.index(a.job, a.step), h.index.index(b.job, b.step)
            h.model.add(h.starts[ib] >= h.ends[ia] + gap)
