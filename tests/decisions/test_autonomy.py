"""Autonomy levels, guardrails, applying and undoing decisions, on every backend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.decisions import service
from smartfactory.decisions import workorders as wo
from smartfactory.decisions.autonomy import (
    AutonomyLevel,
    AutonomySettings,
    effective_settings,
    get_settings,
    list_settings,
    set_settings,
)
from smartfactory.decisions.log import (
    DECISION_TRANSITIONS,
    Decision,
    DecisionKind,
    DecisionStatus,
    get_decision,
)
from smartfactory.errors import DataError, InvalidTransitionError
from smartfactory.store import DuckDBStore, Store
from smartfactory.store.audit import entries
from tests.decisions.helpers import NOW, H, maintenance_proposal, schedule_proposal
from tests.store import conftest as backends

# the store of every backend (DuckDB, PostgreSQL), as in tests/store
reopen = backends.reopen
store = backends.store
AUTONOMOUS = AutonomyLevel.AUTONOMOUS


def _set(
    store: Store, scope: str, level: AutonomyLevel, now: datetime = NOW, **kw: Any
) -> AutonomySettings:
    return set_settings(
        store, AutonomySettings(scope=scope, level=level, **kw), actor="admin", now=now
    )


def test_default_is_advise_and_lines_follow_the_plant(store: Store) -> None:
    assert effective_settings(store, "line-1").level is AutonomyLevel.ADVISE
    assert get_settings(store, "line-1") is None
    _set(store, "plant", AutonomyLevel.APPROVE, max_changes_per_day=3)
    assert effective_settings(store, "line-1").level is AutonomyLevel.APPROVE
    assert effective_settings(store, "line-1").scope == "plant"
    _set(store, "line-1", AUTONOMOUS, frozen_horizon_h=2, crew_capacity=2)
    own = effective_settings(store, "line-1")
    assert (own.scope, own.level, own.frozen_horizon_h, own.crew_capacity) == (
        "line-1", AUTONOMOUS, 2.0, 2,
    )  # fmt: skip
    assert own.updated == NOW and own.updated_by == "admin"
    assert [s.scope for s in list_settings(store)] == ["plant", "line-1"]
    again = _set(store, "line-1", AutonomyLevel.ADVISE, now=NOW + H)
    assert again.level is AutonomyLevel.ADVISE
    audit = entries(store, target="line-1")
    assert [e.action for e in audit] == ["autonomy.set", "autonomy.set"]
    assert audit[0].data["before"]["level"] == "autonomous"
    assert audit[0].data["after"]["level"] == "advise"
    with pytest.raises(DataError):
        AutonomySettings(crew_capacity=0)


def test_approve_level_waits_then_approval_applies_and_creates_a_work_order(
    store: Store,
) -> None:
    _set(store, "plant", AutonomyLevel.APPROVE)
    decision = service.propose(store, maintenance_proposal(), NOW)
    assert decision.status is DecisionStatus.PROPOSED and decision.autonomy == "approve"
    assert wo.list_work_orders(store).total == 0
    applied = service.approve(store, decision.id, actor="lee", now=NOW + H)
    assert applied.status is DecisionStatus.APPLIED
    assert applied.decided_by == "lee" and applied.decided_at == NOW + H
    order = wo.get(store, applied.work_order_id or "")
    assert order.status is wo.WorkOrderStatus.SCHEDULED and order.decision_id == decision.id
    assert order.title == "Replace spindle bearing" and order.priority == 1
    assert order.scheduled_start == NOW + 20 * H and order.created_by == "lee"
    assert order.kind is wo.WorkOrderKind.PREDICTIVE
    actions = [e.action for e in entries(store, target=decision.id)]
    assert {"decision.propose", "decision.approved", "decision.applied"} == set(actions)
    with pytest.raises(InvalidTransitionError):
        service.approve(store, decision.id, actor="lee", now=NOW + H)


def test_autonomous_applies_at_once_within_guardrails(store: Store) -> None:
    _set(store, "line-1", AUTONOMOUS, frozen_horizon_h=4, crew_capacity=1)
    decision = service.propose(store, maintenance_proposal(with_spec=False), NOW)
    assert decision.status is DecisionStatus.APPLIED and decision.decided_by == "system"
    order = wo.get(store, decision.work_order_id or "")
    assert order.created_by == "system" and "CNC-03" in order.title
    assert decision.data["fallback"] == []


def test_outside_the_frozen_horizon_falls_back_to_approval(store: Store) -> None:
    _set(store, "line-1", AUTONOMOUS, frozen_horizon_h=24)
    decision = service.propose(store, maintenance_proposal(start_in_h=20), NOW)
    assert decision.status is DecisionStatus.PROPOSED
    assert [f["code"] for f in decision.fallback] == ["frozen_horizon"]
    assert "Needs approval: the window starts within the frozen horizon of 24 h" in (
        decision.explanation.en
    )
    assert "승인 필요: 시작 시각이 고정 구간(24시간) 안에 있음" in decision.explanation.ko


def test_max_changes_per_day_and_crew_capacity(store: Store) -> None:
    _set(store, "line-1", AUTONOMOUS, max_changes_per_day=2, crew_capacity=5, frozen_horizon_h=0)
    got = [
        service.propose(store, maintenance_proposal(machine=f"m{i}", start_in_h=10 + 5 * i), NOW)
        for i in range(3)
    ]
    assert [d.status.value for d in got] == ["applied", "applied", "proposed"]
    assert [f["code"] for f in got[2].fallback] == ["max_changes_per_day"]
    # another line under the plant's settings: one crew, and a job already overlaps
    _set(store, "plant", AUTONOMOUS, crew_capacity=1, frozen_horizon_h=0)
    clash = service.propose(
        store, maintenance_proposal(scope="line-3", machine="x1", start_in_h=10.5), NOW
    )
    assert [f["code"] for f in clash.fallback] == ["crew_capacity"]
    free = service.propose(
        store, maintenance_proposal(scope="line-3", machine="x2", start_in_h=40), NOW
    )
    assert free.status is DecisionStatus.APPLIED


def test_undo_cancels_the_work_order_unless_started(store: Store) -> None:
    _set(store, "plant", AUTONOMOUS, frozen_horizon_h=0)
    first = service.propose(store, maintenance_proposal(machine="a"), NOW)
    undone = service.undo(store, first.id, actor="kim", now=NOW + H)
    assert undone.status is DecisionStatus.UNDONE
    order = wo.get(store, first.work_order_id or "")
    assert order.status is wo.WorkOrderStatus.CANCELLED
    assert order.notes[-1].text == f"decision {first.id} undone"
    assert entries(store, target=first.id)[0].action == "decision.undone"
    second = service.propose(store, maintenance_proposal(machine="b", start_in_h=30), NOW)
    wo.start(store, second.work_order_id or "", actor="park", now=NOW + 2 * H)
    with pytest.raises(InvalidTransitionError, match="in_progress"):
        service.undo(store, second.id, actor="kim", now=NOW + 3 * H)
    assert get_decision(store, second.id).status is DecisionStatus.APPLIED
    with pytest.raises(InvalidTransitionError):
        service.undo(store, first.id, actor="kim", now=NOW + 3 * H)


class _Plans:
    """A scheduler-side applier that records what it was asked to do."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.applied: list[str] = []
        self.undone: list[str] = []

    def apply(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        if self.fail:
            raise DataError("solver unavailable")
        self.applied.append(decision.id)
        return {"plan_id": "P-1"}

    def undo(
        self, store: Store, decision: Decision, *, actor: str, now: datetime
    ) -> dict[str, Any]:
        self.undone.append(decision.id)
        return {}


def test_schedule_decisions_use_the_given_applier_and_retry_after_failure(store: Store) -> None:
    _set(store, "plant", AutonomyLevel.APPROVE)
    decision = service.propose(store, schedule_proposal(), NOW)
    failing = {DecisionKind.SCHEDULE: _Plans(fail=True)}
    with pytest.raises(DataError, match="solver"):
        service.approve(store, decision.id, actor="lee", now=NOW, appliers=failing)
    assert get_decision(store, decision.id).status is DecisionStatus.APPROVED
    plans = _Plans()
    appliers = {DecisionKind.SCHEDULE: plans}
    applied = service.approve(store, decision.id, actor="lee", now=NOW, appliers=appliers)
    assert applied.status is DecisionStatus.APPLIED and applied.data["plan_id"] == "P-1"
    service.undo(store, decision.id, actor="lee", now=NOW, appliers=appliers)
    assert plans.applied == plans.undone == [decision.id]


# -- the decision lifecycle as a state machine ----------------------------------------------

_CALLS = ("approve", "reject", "undo", "expire", "start_work")


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(list(AutonomyLevel)),
    st.lists(st.sampled_from(_CALLS), max_size=6),
)
def test_no_sequence_of_answers_reaches_an_illegal_state(
    level: AutonomyLevel, calls: list[str]
) -> None:
    store = DuckDBStore(":memory:")
    try:
        _set(store, "plant", level, frozen_horizon_h=0)
        decision = service.propose(store, maintenance_proposal(), NOW)
        for i, call in enumerate(calls):
            now = NOW + (i + 1) * H
            before = get_decision(store, decision.id)
            try:
                if call == "approve":
                    service.approve(store, decision.id, actor="a", now=now)
                elif call == "reject":
                    service.reject(store, decision.id, "no", actor="a", now=now)
                elif call == "undo":
                    service.undo(store, decision.id, actor="a", now=now)
                elif call == "expire":
                    service.expire_stale(store, now + 100 * H)
                elif before.work_order_id is not None:
                    wo.start(store, before.work_order_id, actor="a", now=now)
            except InvalidTransitionError:
                pass
            after = get_decision(store, decision.id)
            assert (
                after.status == before.status or after.status in DECISION_TRANSITIONS[before.status]
            )
            orders = wo.list_work_orders(store, decision_id=decision.id).items
            # a work order exists exactly when the decision was applied (or applied, then undone)
            made = after.status in (DecisionStatus.APPLIED, DecisionStatus.UNDONE)
            assert len(orders) == (1 if made else 0)
            if after.status is DecisionStatus.UNDONE:
                assert orders[0].status is wo.WorkOrderStatus.CANCELLED
            if after.status is DecisionStatus.APPLIED:
                assert orders[0].status is not wo.WorkOrderStatus.CANCELLED
    finally:
        store.close()
