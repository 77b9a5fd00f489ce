"""Appliers that keep production in step with maintenance decisions.

:class:`MaintenanceApplier` applies a maintenance decision the way
:class:`~smartfactory.decisions.service.WorkOrderApplier` does (the work order, scheduled in the
chosen window) and then re-plans production around every maintenance window
(:meth:`~smartfactory.decisions.planning.Planner.replan`). The new plan is stored ``proposed``
and a ``schedule`` decision is recorded for it through
:func:`~smartfactory.decisions.service.propose`, explaining in English and Korean what moved
and why; :class:`PlanApplier` applies that decision by making its plan the active one (undo
restores the plan before it).

The schedule decision follows its scope's autonomy like any other. When it is left
``proposed`` although its maintenance decision was applied by a person (levels ``advise`` and
``approve``), it is approved at once by the same person: approving the maintenance was
approving the re-plan around it. When a guardrail holds it under ``autonomous``, it waits for
a person. A re-plan that fails is logged and recorded with the maintenance decision
(``replan_error``); the work order stands.

Undoing a maintenance decision cancels its work order and re-plans again without its window.

:func:`app_appliers` gives the API and the CLI the appliers to pass to
``service.approve`` / ``service.undo`` so that answers given there re-plan too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from smartfactory.decisions import service
from smartfactory.decisions.explain import ExplanationInputs
from smartfactory.decisions.guardrails import SYSTEM_ACTOR
from smartfactory.decisions.log import (
    Alternative,
    Decision,
    DecisionKind,
    DecisionStatus,
    Proposal,
    get_decision,
)
from smartfactory.decisions.planning import Planner, Replan
from smartfactory.decisions.plans import activate_plan, current_plan, get_plan, set_plan_status
from smartfactory.decisions.service import Applier, WorkOrderApplier
from smartfactory.errors import FactoryError, InvalidTransitionError, NotFoundError
from smartfactory.store.base import Store

__all__ = ["MaintenanceApplier", "PlanApplier", "app_appliers", "record_replan"]

log = logging.getLogger(__name__)


class PlanApplier:
    """Schedule decisions: make the decision's plan active; undo restores the previous one.

    A schedule decision without a ``plan_id`` input is recorded only.
    """

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Activate the decision's plan."""
        plan_id = decision.inputs.get("plan_id")
        if not plan_id:
            return {}
        activate_plan(store, str(plan_id), actor=actor, now=now)
        return {"active_plan_id": plan_id}

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Re-activate the plan it replaced, if its own plan is still the active one."""
        plan_id = decision.inputs.get("plan_id")
        if not plan_id:
            return {}
        active = current_plan(store)
        if active is None or active.id != plan_id:
            if get_plan(store, str(plan_id)).status == "proposed":
                set_plan_status(store, str(plan_id), "undone", actor=actor, now=now)
                return {"undone_plan_id": plan_id}
            raise InvalidTransitionError(
                f"decision {decision.id} cannot be undone: a later plan replaced {plan_id}"
            )
        set_plan_status(store, str(plan_id), "undone", actor=actor, now=now)
        previous = decision.inputs.get("previous_plan_id")
        if previous:
            try:
                activate_plan(store, str(previous), actor=actor, now=now)
            except NotFoundError:
                previous = None
        return {"undone_plan_id": plan_id, "active_plan_id": previous}


def _schedule_proposal(replan: Replan, decision: Decision, planner: Planner) -> Proposal:
    plan = replan.plan
    jobs = [j for j in plan.maintenance if j.decision_id == decision.id]
    start = jobs[0].start if jobs else None
    end = jobs[0].end if jobs else None
    diff = plan.data.get("diff", {})
    machine = decision.machine or decision.scope
    action_en = "undo of" if decision.status is DecisionStatus.UNDONE else "maintenance"
    summary_en = (
        f"re-plan production around the {action_en} of {machine} ({decision.id}): "
        f"{plan.summary_en or 'planned afresh'}"
    )
    action_ko = "정비 취소" if decision.status is DecisionStatus.UNDONE else "정비"
    summary_ko = (
        f"{machine} {action_ko}({decision.id})에 맞춘 생산 계획 재수립: "
        f"{plan.summary_ko or '새로 계획'}"
    )
    moves = [m for m in plan.data.get("moves", []) if m.get("old_start")][:20]
    costs = planner.plant.costs
    return Proposal(
        kind=DecisionKind.SCHEDULE,
        scope=decision.scope,
        machine=None,
        inputs={
            "plan_id": plan.id,
            "previous_plan_id": None if replan.previous is None else replan.previous.id,
            "maintenance_decision": decision.id,
            "work_order_id": decision.work_order_id,
            "diff": diff,
            "moves": moves,
            "makespan_min": plan.makespan_min,
            "weighted_tardiness": plan.weighted_tardiness,
        },
        alternatives=(
            Alternative(
                "keep_plan",
                round(replan.keep_cost, 2),
                start,
                end,
                "keep the plan: its work in the maintenance window cannot run",
            ),
            Alternative(
                "replan",
                round(replan.replan_cost, 2),
                start,
                end,
                "re-plan around the window (started operations frozen, changes penalised)",
            ),
        ),
        chosen="replan",
        expected_benefit=round(replan.keep_cost - replan.replan_cost, 2),
        explanation=ExplanationInputs(
            summary_en=summary_en,
            summary_ko=summary_ko,
            timezone=planner.plant.site.calendar.timezone,
            currency=costs.currency,
        ),
    )


def record_replan(
    store: Store,
    planner: Planner,
    decision: Decision,
    *,
    actor: str,
    now: datetime,
    appliers: Mapping[DecisionKind, Applier],
) -> Decision:
    """Re-plan around ``decision``'s maintenance and record the schedule decision for it."""
    replan = planner.replan(
        store, now, reason=f"maintenance decision {decision.id}", decision_id=decision.id
    )
    proposal = _schedule_proposal(replan, decision, planner)
    schedule = service.propose(store, proposal, now, appliers=appliers)
    if schedule.status is DecisionStatus.PROPOSED and actor != SYSTEM_ACTOR:
        schedule = service.approve(store, schedule.id, actor=actor, now=now, appliers=appliers)
    return schedule


class MaintenanceApplier:
    """Maintenance decisions: the work order (as WorkOrderApplier), then the re-plan."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self._work_orders = WorkOrderApplier()

    def _replan(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        try:
            schedule = record_replan(
                store,
                self.planner,
                decision,
                actor=actor,
                now=now,
                appliers=app_appliers(self.planner),
            )
        except FactoryError as err:
            log.warning("re-planning around decision %s failed: %s", decision.id, err)
            return {"replan_error": str(err)}
        return {"schedule_decision_id": schedule.id, "plan_id": schedule.inputs.get("plan_id")}

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Create and schedule the work order, then re-plan production around it."""
        result = self._work_orders.apply(store, decision, actor=actor, now=now)
        # the re-plan reads the work order's window from the store; the decision as stored
        # now carries no work order id yet, so hand it over for the schedule decision
        with_order = replace(decision, work_order_id=result.get("work_order_id"))
        return {**result, **self._replan(store, with_order, actor=actor, now=now)}

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Cancel the work order if unstarted, then re-plan without its window."""
        result = self._work_orders.undo(store, decision, actor=actor, now=now)
        undone = get_decision(store, decision.id)
        marked = replace(undone, status=DecisionStatus.UNDONE)
        return {**result, **self._replan(store, marked, actor=actor, now=now)}


def app_appliers(planner: Planner) -> Mapping[DecisionKind, Applier]:
    """The appliers of an application whose production is planned by ``planner``."""
    return MappingProxyType(
        {
            DecisionKind.MAINTENANCE: MaintenanceApplier(planner),
            DecisionKind.SCHEDULE: PlanApplier(),
        }
    )
