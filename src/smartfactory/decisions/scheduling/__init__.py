"""Production scheduling: a flexible job shop solved with CP-SAT, LNS and re-scheduling.

Build a :class:`Problem` by hand or from the plant model (:func:`build_problem`), solve it
(:func:`solve`), check any plan (:func:`validate_plan`), and re-plan after a breakdown, a rush
order or late material (:func:`reschedule`). See ``docs/scheduling.md``.
"""

from __future__ import annotations

from smartfactory.decisions.scheduling.builder import (
    DEFAULT_OBJECTIVE,
    Downtime,
    PlannedOperation,
    PlantProblem,
    build_problem,
    orders_from_demand,
    plan_rows,
)
from smartfactory.decisions.scheduling.cpsat import Stability
from smartfactory.decisions.scheduling.dispatch import RULES, best_dispatch, dispatch
from smartfactory.decisions.scheduling.plan import Plan, ScheduledOperation, evaluate
from smartfactory.decisions.scheduling.problem import (
    MAKESPAN,
    Alternative,
    Job,
    Objective,
    Operation,
    Problem,
    SchedulingError,
    Window,
)
from smartfactory.decisions.scheduling.reschedule import (
    Breakdown,
    Event,
    LateMaterial,
    PlanChange,
    PlanDiff,
    RescheduleOptions,
    RescheduleResult,
    RushOrder,
    reschedule,
)
from smartfactory.decisions.scheduling.solver import SolveOptions, solve
from smartfactory.decisions.scheduling.timeaxis import TimeAxis
from smartfactory.decisions.scheduling.validate import check_plan, validate_plan

__all__ = [
    "DEFAULT_OBJECTIVE",
    "MAKESPAN",
    "RULES",
    "Alternative",
    "Breakdown",
    "Downtime",
    "Event",
    "Job",
    "LateMaterial",
    "Objective",
    "Operation",
    "Plan",
    "PlanChange",
    "PlanDiff",
    "PlannedOperation",
    "PlantProblem",
    "Problem",
    "RescheduleOptions",
    "RescheduleResult",
    "RushOrder",
    "ScheduledOperation",
    "SchedulingError",
    "SolveOptions",
    "Stability",
    "TimeAxis",
    "Window",
    "best_dispatch",
    "build_problem",
    "check_plan",
    "dispatch",
    "evaluate",
    "orders_from_demand",
    "plan_rows",
    "reschedule",
    "solve",
    "validate_plan",
]
