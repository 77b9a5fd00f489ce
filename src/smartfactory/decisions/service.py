"""The decision service: propose, approve, reject, undo and expire decisions.

The decision engine (maintenance policy, scheduler) calls :func:`propose` with a
:class:`~smartfactory.decisions.log.Proposal`. The decision is stored with its explanations
and, by the autonomy level of its scope (:mod:`.autonomy`):

* ``advise`` / ``approve``: left ``proposed`` for people (the API's and CLI's inbox);
* ``autonomous``: applied at once by ``system`` if it keeps to the guardrails
  (:mod:`.guardrails`), else left ``proposed`` with the reasons (``fallback``) added to the
  explanation.

Applying is done by an :class:`Applier` per decision kind: maintenance decisions create the
work order (scheduled in the chosen window) and undo cancels it if work has not started;
schedule decisions are recorded only, by default (the scheduler passes its own applier to
:func:`propose`, :func:`approve` and :func:`undo`). Approving first records ``approved``
(who and when), then applies and records ``applied``: an applier that fails leaves the
decision ``approved``, and approving it again retries the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol

from smartfactory.decisions import workorders
from smartfactory.decisions.autonomy import AutonomyLevel, effective_settings
from smartfactory.decisions.explain import Explanation, explain_maintenance, explain_schedule
from smartfactory.decisions.guardrails import SYSTEM_ACTOR, Violation, check
from smartfactory.decisions.log import (
    Decision,
    DecisionKind,
    DecisionStatus,
    Proposal,
    WorkOrderSpec,
    encode_data,
    get_decision,
    insert_statement,
    list_decisions,
    new_id,
    set_status,
    work_order_spec,
)
from smartfactory.errors import DataError, InvalidTransitionError, NotFoundError
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "DEFAULT_APPLIERS",
    "Applier",
    "RecordOnlyApplier",
    "WorkOrderApplier",
    "approve",
    "expire_stale",
    "explain",
    "propose",
    "reject",
    "undo",
]


class Applier(Protocol):
    """Carries out (and, where possible, reverses) decisions of one kind.

    Both return what to record with the decision (e.g. ``{"work_order_id": ...}``); ``undo``
    raises InvalidTransitionError when the change can no longer be reversed.
    """

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Carry out ``decision``."""
        ...

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Reverse ``decision``."""
        ...


class WorkOrderApplier:
    """Maintenance: create the decision's work order in the chosen window; undo cancels it."""

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Create (and schedule, when the choice has a window) the work order."""
        if decision.machine is None:
            raise DataError(f"maintenance decision {decision.id} names no machine")
        existing = workorders.list_work_orders(store, decision_id=decision.id, limit=1)
        if existing.items:  # a retried application does not make a second work order
            return {"work_order_id": existing.items[0].id}
        spec = work_order_spec(decision) or WorkOrderSpec(
            title=f"{decision.machine}: {decision.chosen} ({decision.id})"
        )
        choice = decision.choice()
        start = choice.start if choice is not None else None
        end = choice.end if choice is not None else None
        order = workorders.create(
            store,
            machine=decision.machine,
            kind=spec.kind,
            title=spec.title,
            actor=actor,
            now=now,
            priority=spec.priority,
            due=spec.due or end,
            scheduled_start=start,
            scheduled_end=end if start is not None else None,
            parts=spec.parts,
            decision_id=decision.id,
        )
        return {"work_order_id": order.id}

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Cancel the work order if no work has started; InvalidTransitionError otherwise."""
        if decision.work_order_id is None:
            return {}
        try:
            order = workorders.get(store, decision.work_order_id)
        except NotFoundError:
            return {}
        if order.status not in workorders.OPEN_STATUSES:
            raise InvalidTransitionError(
                f"decision {decision.id} cannot be undone: its work order {order.id} is "
                f"{order.status.value}"
            )
        workorders.cancel(
            store, order.id, actor=actor, now=now, reason=f"decision {decision.id} undone"
        )
        return {"cancelled_work_order": order.id}


class RecordOnlyApplier:
    """Record the decision as applied; the owner of the change reads applied decisions."""

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Nothing to do here."""
        return {}

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        """Nothing to reverse here."""
        return {}


DEFAULT_APPLIERS: Mapping[DecisionKind, Applier] = MappingProxyType(
    {DecisionKind.MAINTENANCE: WorkOrderApplier(), DecisionKind.SCHEDULE: RecordOnlyApplier()}
)
"""The appliers used when a call names none (read-only)."""


def _applier(kind: DecisionKind, appliers: Mapping[DecisionKind, Applier] | None) -> Applier:
    return (appliers or {}).get(kind) or DEFAULT_APPLIERS[kind]


def explain(proposal: Proposal, now: datetime) -> Explanation:
    """The Korean and English explanation of ``proposal`` (from the templates)."""
    choice = proposal.choice()
    window = (choice.start, choice.end) if choice.start and choice.end else None
    if proposal.kind is DecisionKind.MAINTENANCE:
        return explain_maintenance(
            proposal.machine or proposal.scope,
            proposal.explanation,
            benefit=proposal.expected_benefit,
            window=window,
            now=now,
        )
    return explain_schedule(
        proposal.scope,
        proposal.explanation,
        benefit=proposal.expected_benefit,
        window=window,
        now=now,
    )


def _with_fallback(text: Explanation, violations: list[Violation]) -> Explanation:
    if not violations:
        return text
    en = "; ".join(v.en for v in violations)
    ko = "; ".join(v.ko for v in violations)
    return Explanation(en=f"{text.en} Needs approval: {en}.", ko=f"{text.ko} 승인 필요: {ko}.")


def propose(
    store: Store,
    proposal: Proposal,
    now: datetime,
    *,
    appliers: Mapping[DecisionKind, Applier] | None = None,
) -> Decision:
    """Store ``proposal`` as a decision and apply it if its scope's autonomy allows.

    Returns the decision as it stands afterwards: ``proposed`` (advise, approve, or
    autonomous outside the guardrails, with ``fallback`` saying why) or ``applied``.
    """
    if now.tzinfo is None:
        raise DataError("now needs a time zone")
    proposal = Proposal(
        kind=DecisionKind(proposal.kind),
        scope=proposal.scope,
        machine=proposal.machine,
        inputs=proposal.inputs,
        alternatives=proposal.alternatives,
        chosen=proposal.chosen,
        expected_benefit=proposal.expected_benefit,
        explanation=proposal.explanation,
        work_order=proposal.work_order,
    )
    if not proposal.scope.strip():
        raise DataError("a proposal needs a scope ('plant' or a line id)")
    if proposal.kind is DecisionKind.MAINTENANCE and not proposal.machine:
        raise DataError("a maintenance proposal needs a machine")
    settings = effective_settings(store, proposal.scope)
    violations: list[Violation] = []
    if settings.level is AutonomyLevel.AUTONOMOUS:
        violations = check(store, proposal, settings, now)
    text = _with_fallback(explain(proposal, now), violations)
    decision_id = new_id()
    data = encode_data(
        proposal,
        {
            "fallback": [v.as_dict() for v in violations],
            "guardrails": {
                "scope": settings.scope,
                "frozen_horizon_h": settings.frozen_horizon_h,
                "max_changes_per_day": settings.max_changes_per_day,
                "crew_capacity": settings.crew_capacity,
            },
        },
    )
    at = now.astimezone(UTC)
    store.execute_all(
        [
            insert_statement(
                decision_id,
                proposal,
                ts=at,
                status=DecisionStatus.PROPOSED,
                autonomy=settings.level.value,
                explanation=text,
                data=data,
            ),
            entry(
                SYSTEM_ACTOR,
                "decision.propose",
                decision_id,
                {
                    "kind": proposal.kind.value,
                    "scope": proposal.scope,
                    "machine": proposal.machine,
                    "autonomy": settings.level.value,
                    "fallback": [v.code for v in violations],
                },
                ts=at,
            ),
        ]
    )
    decision = get_decision(store, decision_id)
    if settings.level is AutonomyLevel.AUTONOMOUS and not violations:
        return _apply(store, decision, actor=SYSTEM_ACTOR, now=now, appliers=appliers)
    return decision


def _apply(
    store: Store,
    decision: Decision,
    *,
    actor: str,
    now: datetime,
    appliers: Mapping[DecisionKind, Applier] | None,
) -> Decision:
    if decision.status is DecisionStatus.PROPOSED:
        decision = set_status(
            store, decision, DecisionStatus.APPROVED, actor=actor, now=now, decided=True
        )
    if decision.status is not DecisionStatus.APPROVED:
        raise InvalidTransitionError(
            f"decision {decision.id} is {decision.status.value}; only a proposed (or approved, "
            "not yet applied) decision can be approved"
        )
    result = _applier(decision.kind, appliers).apply(store, decision, actor=actor, now=now)
    return set_status(
        store,
        decision,
        DecisionStatus.APPLIED,
        actor=actor,
        now=now,
        data={**result, "applied_at": now.astimezone(UTC).isoformat()},
    )


def approve(
    store: Store,
    decision_id: str,
    *,
    actor: str,
    now: datetime,
    appliers: Mapping[DecisionKind, Applier] | None = None,
) -> Decision:
    """Approve a proposed decision, which applies it; retries an approved, unapplied one."""
    return _apply(store, get_decision(store, decision_id), actor=actor, now=now, appliers=appliers)


def reject(store: Store, decision_id: str, reason: str, *, actor: str, now: datetime) -> Decision:
    """Reject a proposed decision, saying why."""
    if not reason.strip():
        raise DataError("rejecting a decision needs a reason")
    decision = get_decision(store, decision_id)
    return set_status(
        store,
        decision,
        DecisionStatus.REJECTED,
        actor=actor,
        now=now,
        data={"reason": reason.strip()},
        decided=True,
    )


def undo(
    store: Store,
    decision_id: str,
    *,
    actor: str,
    now: datetime,
    appliers: Mapping[DecisionKind, Applier] | None = None,
) -> Decision:
    """Reverse an applied decision where possible (cancel the work order it made, if unstarted)."""
    decision = get_decision(store, decision_id)
    if decision.status not in (DecisionStatus.APPLIED, DecisionStatus.APPROVED):
        raise InvalidTransitionError(
            f"decision {decision.id} is {decision.status.value}; only an applied decision can "
            "be undone"
        )
    result = _applier(decision.kind, appliers).undo(store, decision, actor=actor, now=now)
    return set_status(
        store,
        decision,
        DecisionStatus.UNDONE,
        actor=actor,
        now=now,
        data={**result, "undone_by": actor, "undone_at": now.astimezone(UTC).isoformat()},
    )


def expire_stale(
    store: Store, now: datetime, *, max_age: timedelta = timedelta(hours=24)
) -> list[Decision]:
    """Expire proposed decisions older than ``max_age`` or whose chosen window has begun."""
    expired: list[Decision] = []
    offset = 0
    stale: list[Decision] = []
    while True:
        page = list_decisions(store, status=DecisionStatus.PROPOSED, limit=200, offset=offset)
        for d in page.items:
            choice = d.choice()
            if d.ts < now - max_age or (
                choice is not None and choice.start is not None and choice.start <= now
            ):
                stale.append(d)
        offset += page.limit
        if offset >= page.total:
            break
    for d in stale:
        try:
            expired.append(
                set_status(store, d, DecisionStatus.EXPIRED, actor=SYSTEM_ACTOR, now=now)
            )
        except InvalidTransitionError:  # answered meanwhile
            continue
    return expired
