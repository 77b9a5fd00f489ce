"""Solve a :class:`~smartfactory.decisions.scheduling.problem.Problem` with CP-SAT and LNS.

1. The best dispatching rule gives a valid plan, the warm start (``AddHint``) and, for a pure
   makespan objective, a tight horizon.
2. A full CP-SAT solve runs for ``first_phase`` of the time limit with ``workers`` threads
   (2 suits a 2-core machine). If it proves optimality, that plan is returned.
3. Large-neighbourhood search (:mod:`~smartfactory.decisions.scheduling.lns`) improves the
   incumbent until the time limit: relax a neighbourhood, fix the rest, re-solve for a short
   time with the incumbent as hint, keep the result when it is no worse.

With ``deterministic=True`` every solve runs on one worker under a deterministic-time limit
and the LNS stops after the same deterministic-time budget, so a seed reproduces the plan
exactly (wall-clock limits depend on machine load). The time limit then counts CP-SAT's
deterministic seconds, not wall seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from smartfactory.decisions.scheduling.cpsat import (
    CpHandles,
    Stability,
    add_hint,
    build_model,
    read_solution,
    safe_horizon,
)
from smartfactory.decisions.scheduling.dispatch import best_dispatch
from smartfactory.decisions.scheduling.lns import fix_outside, pick_neighbourhood
from smartfactory.decisions.scheduling.plan import Plan, make_plan
from smartfactory.decisions.scheduling.problem import Problem, SchedulingError

__all__ = ["SolveOptions", "solve"]

log = logging.getLogger(__name__)


class SolveOptions(BaseModel):
    """How long and how to search."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(default=10.0, gt=0, description="Total search time.")
    workers: int = Field(default=2, ge=1, le=64, description="CP-SAT threads.")
    seed: int = Field(default=0, ge=0, description="Seeds CP-SAT and the LNS generator.")
    lns: bool = Field(default=True, description="Improve with LNS after the first phase.")
    first_phase: float = Field(
        default=0.7, gt=0, le=1, description="Share of the time for the first full solve."
    )
    lns_step_s: float = Field(default=1.0, gt=0, description="Time limit of one LNS re-solve.")
    lns_share: float = Field(
        default=0.6, gt=0, lt=1, description="Initial share of operations an LNS step relaxes."
    )
    deterministic: bool = Field(
        default=False, description="One worker and deterministic-time limits: reproducible."
    )
    hint: bool = Field(default=True, description="Warm-start CP-SAT from a dispatching rule.")
    cp_parameters: dict[str, float | int | bool | str] = Field(
        default_factory=dict, description="Extra CP-SAT parameters (by name) for every solve."
    )


@dataclass(frozen=True, slots=True)
class _Context:
    problem: Problem
    options: SolveOptions
    horizon: int
    earliest: int
    fixed: Mapping[tuple[int, int], tuple[int, int]]
    stability: Stability | None


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    earliest: int = 0,
    fixed: Mapping[tuple[int, int], tuple[int, int]] | None = None,
    stability: Stability | None = None,
    start_plan: Plan | None = None,
) -> Plan:
    """The best plan found within ``options.time_limit_s``.

    ``earliest``: no unfixed operation starts before it (re-scheduling "now"). ``fixed`` pins
    ``(job, step) -> (machine, start)`` (a prefix of each job's route). ``stability`` adds the
    deviation penalty. ``start_plan`` (a valid plan) is the warm start when it scores better
    than the dispatching rules.
    """
    options = options or SolveOptions()
    fixed = dict(fixed or {})
    began = time.monotonic()
    heuristic = best_dispatch(problem, earliest=earliest, fixed=fixed)
    fixed_end = max(
        (
            s + (problem.jobs[j].operations[k].duration_on(m) or 0)
            for (j, k), (m, s) in fixed.items()
        ),
        default=0,
    )
    horizon = safe_horizon(problem, earliest, fixed_end)
    w = problem.objective
    pure_makespan = w.tardiness_weight == 0 and stability is None and w.makespan_weight > 0
    if pure_makespan:
        horizon = min(horizon, heuristic.makespan)
    ctx = _Context(problem, options, horizon, earliest, fixed, stability)
    warm = _with_stability(ctx, heuristic)
    if start_plan is not None:
        candidate = _with_stability(ctx, start_plan)
        if candidate.objective <= warm.objective:
            warm = candidate
    budget = options.time_limit_s
    spent = time.monotonic() - began if not options.deterministic else 0.0
    first = max(0.05, budget * (options.first_phase if options.lns else 1.0) - spent)
    plan, optimal, bound, used = _full_solve(ctx, warm if options.hint else None, first)
    if plan is None:
        plan = warm
    if optimal or not options.lns:
        return plan
    rng = np.random.default_rng(options.seed)
    share = options.lns_share
    iteration = 0
    while True:
        left = budget - used if options.deterministic else budget - (time.monotonic() - began)
        if left < 0.05:
            break
        step = min(options.lns_step_s, left)
        hood = pick_neighbourhood(problem, plan, share, rng, iteration)
        if pure_makespan:
            ctx = replace(ctx, horizon=min(ctx.horizon, plan.makespan))
        h = _model(ctx, plan)
        fix_outside(problem, h, plan, hood)
        add_hint(h, plan)
        solver = _solver(options, step, options.seed + iteration + 1, problem)
        status = solver.solve(h.model)
        used += solver.deterministic_time if options.deterministic else 0.0
        iteration += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = _plan(ctx, h, solver, "feasible", bound)
            if candidate.objective <= plan.objective:
                if candidate.objective < plan.objective:
                    log.debug("LNS %s: %d -> %d", hood.kind, plan.objective, candidate.objective)
                plan = candidate
        share = min(0.9, share * 1.1) if status == cp_model.OPTIMAL else max(0.05, share * 0.9)
        if bound is not None and plan.objective <= bound:
            return _mark(plan, "optimal", bound)
    return plan


def _full_solve(
    ctx: _Context, warm: Plan | None, limit: float
) -> tuple[Plan | None, bool, int | None, float]:
    h = _model(ctx, warm)
    if warm is not None:
        add_hint(h, warm)
    solver = _solver(ctx.options, limit, ctx.options.seed, ctx.problem)
    status = solver.solve(h.model)
    used = solver.deterministic_time if ctx.options.deterministic else 0.0
    if status == cp_model.INFEASIBLE:
        raise SchedulingError("the scheduling problem has no feasible plan")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False, None, used
    bound = int(np.ceil(solver.best_objective_bound - 1e-6))
    optimal = status == cp_model.OPTIMAL
    plan = _plan(ctx, h, solver, "optimal" if optimal else "feasible", bound)
    if warm is not None and not optimal and warm.objective < plan.objective:
        plan = _mark(_with_stability(ctx, warm), "feasible", bound)
    return plan, optimal, bound, used


def _model(ctx: _Context, reference: Plan | None) -> CpHandles:
    return build_model(
        ctx.problem,
        ctx.horizon,
        earliest=ctx.earliest,
        fixed=ctx.fixed,
        stability=ctx.stability,
        sequence_reference=reference,
    )


LIGHT_PRESOLVE_OPERATIONS = 100
"""Problems with setups and more operations than this skip presolve probing (too slow)."""


def _solver(
    options: SolveOptions, limit: float, seed: int, problem: Problem | None = None
) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    # CP-SAT would take over Ctrl-C while solving and leave SIGINT at its default action,
    # so that a later Ctrl-C kills the process (demo, serve) instead of stopping it cleanly
    p.catch_sigint_signal = False
    p.random_seed = seed
    if (
        problem is not None
        and problem.has_setups()
        and problem.n_operations > LIGHT_PRESOLVE_OPERATIONS
    ):
        p.cp_model_probing_level = 0
    if options.deterministic:
        p.num_workers = 1
        p.max_deterministic_time = limit
    else:
        p.num_workers = options.workers
        p.max_time_in_seconds = limit
    for name, value in options.cp_parameters.items():
        setattr(p, name, value)
    return solver


def _plan(
    ctx: _Context, h: CpHandles, solver: cp_model.CpSolver, status: str, bound: int | None
) -> Plan:
    jobs = read_solution(ctx.problem, h, solver)
    extra = 0
    if h.stability_terms:
        extra = round(sum(solver.value(t) for t in h.stability_terms))
    return make_plan(ctx.problem, jobs, status, bound, extra)


def _with_stability(ctx: _Context, plan: Plan) -> Plan:
    """``plan`` scored with the context's stability penalty."""
    extra = 0 if ctx.stability is None else stability_penalty(ctx.stability, plan, ctx.fixed)
    return make_plan(ctx.problem, plan.jobs, plan.status, plan.lower_bound, extra)


def stability_penalty(
    stability: Stability, plan: Plan, fixed: Mapping[tuple[int, int], tuple[int, int]]
) -> int:
    """The stability term of ``plan`` against ``stability.reference``."""
    total = 0
    for ref_ops, ops in zip(stability.reference.jobs, plan.jobs, strict=False):
        for r, o in zip(ref_ops, ops, strict=False):
            if (o.job, o.step) in fixed:
                continue
            total += stability.start_weight * abs(o.start - r.start)
            total += stability.machine_weight * (o.machine != r.machine)
    return total


def _mark(plan: Plan, status: str, bound: int | None) -> Plan:
    return Plan(plan.jobs, plan.objective, plan.makespan, plan.weighted_tardiness, status, bound)
