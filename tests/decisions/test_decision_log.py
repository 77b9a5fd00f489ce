"""The decision log on every backend: stored figures, explanations, inbox, answers, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from smartfactory.decisions import service
from smartfactory.decisions.explain import (
    ExplanationInputs,
    explain_maintenance,
    format_hours,
    format_money,
    format_window,
)
from smartfactory.decisions.log import (
    DecisionKind,
    DecisionStatus,
    get_decision,
    list_decisions,
    next_decision_status,
    set_status,
)
from smartfactory.errors import DataError, InvalidTransitionError, NotFoundError
from smartfactory.store import Store
from smartfactory.store.audit import entries
from tests.decisions.helpers import NOW, H, maintenance_proposal, schedule_proposal
from tests.store import conftest as backends

# the store of every backend (DuckDB, PostgreSQL), as in tests/store
reopen = backends.reopen
store = backends.store


def test_propose_stores_everything_it_saw(store: Store) -> None:
    decision = service.propose(store, maintenance_proposal(), NOW)
    assert decision.status is DecisionStatus.PROPOSED and decision.autonomy == "advise"
    got = get_decision(store, decision.id)
    assert got == decision
    assert got.kind is DecisionKind.MAINTENANCE and got.scope == "line-1"
    assert got.machine == "CNC-03" and got.inputs["rul_h"]["p50"] == 41
    assert [a.name for a in got.alternatives] == ["run_to_failure", "maintain_window"]
    assert got.choice() is not None and got.choice().start == NOW + 20 * H  # type: ignore[union-attr]
    assert got.expected_benefit == 1_240_000.0 and got.currency == "KRW"
    assert got.decided_by is None and got.work_order_id is None
    assert got.explanation.ko == (
        "CNC-03: 스핀들 베어링의 잔여 수명 중앙값 41시간(80% 구간 22–70시간). "
        "내일 06:00–08:00 교대 전 정비 시 예상 비용 ₩1,240,000 절감."
    )
    assert got.explanation.en == (
        "CNC-03: the spindle bearing has a median remaining life of 41 h (80% interval 22–70 h). "
        "Maintaining tomorrow 06:00–08:00 before the shift change saves an expected ₩1,240,000."
    )
    assert entries(store, target=decision.id)[0].action == "decision.propose"


def test_schedule_explanation(store: Store) -> None:
    decision = service.propose(store, schedule_proposal(), NOW)
    assert decision.explanation.en == (
        "line-2: run order WO-7 before WO-5 from today 20:00–tomorrow 04:00; "
        "saves an expected ₩500,000."
    )
    assert decision.explanation.ko.startswith("line-2: 오늘 20:00–내일 04:00 WO-7을 WO-5보다")


def test_bad_proposals_are_refused(store: Store) -> None:
    with pytest.raises(DataError, match="not among"):
        service.propose(store, replace(maintenance_proposal(), chosen="pray"), NOW)
    with pytest.raises(DataError, match="machine"):
        service.propose(store, replace(maintenance_proposal(), machine=None), NOW)
    with pytest.raises(DataError, match="scope"):
        service.propose(store, replace(maintenance_proposal(), scope=" "), NOW)
    assert list_decisions(store).total == 0


def test_inbox_filters_and_pages(store: Store) -> None:
    for i in range(3):
        service.propose(store, maintenance_proposal(machine=f"m{i}"), NOW + i * H)
    service.propose(store, schedule_proposal(), NOW + 5 * H)
    page = list_decisions(store, limit=2)
    assert page.total == 4 and page.items[0].kind.value == "schedule"
    assert list_decisions(store, kind="maintenance").total == 3
    assert list_decisions(store, scope="line-2").total == 1
    assert [d.machine for d in list_decisions(store, machine="m1").items] == ["m1"]
    assert list_decisions(store, since=NOW + H).total == 3
    with pytest.raises(DataError):
        list_decisions(store, status="maybe")


def test_reject_needs_a_reason_and_is_final(store: Store) -> None:
    decision = service.propose(store, maintenance_proposal(), NOW)
    with pytest.raises(DataError, match="reason"):
        service.reject(store, decision.id, " ", actor="kim", now=NOW)
    got = service.reject(store, decision.id, "line is down anyway", actor="kim", now=NOW + H)
    assert got.status is DecisionStatus.REJECTED and got.reason == "line is down anyway"
    assert got.decided_by == "kim" and got.decided_at == NOW + H
    with pytest.raises(InvalidTransitionError):
        service.approve(store, decision.id, actor="kim", now=NOW + H)
    with pytest.raises(InvalidTransitionError):
        service.undo(store, decision.id, actor="kim", now=NOW + H)
    audit = entries(store, target=decision.id)[0]
    assert audit.action == "decision.rejected" and audit.actor == "kim"
    with pytest.raises(NotFoundError):
        service.reject(store, "D-NOPE", "x", actor="kim", now=NOW)


def test_expire_stale(store: Store) -> None:
    old = service.propose(store, maintenance_proposal(start_in_h=100), NOW - 30 * H)
    passed = service.propose(store, maintenance_proposal(start_in_h=1), NOW)
    fresh = service.propose(store, maintenance_proposal(start_in_h=20), NOW)
    expired = service.expire_stale(store, NOW + 2 * H)
    assert sorted(d.id for d in expired) == sorted([old.id, passed.id])
    assert get_decision(store, fresh.id).status is DecisionStatus.PROPOSED
    assert all(d.status is DecisionStatus.EXPIRED for d in expired)
    assert entries(store, target=old.id)[0].actor == "system"


def test_decision_status_table() -> None:
    assert next_decision_status("proposed", "applied") is DecisionStatus.APPLIED
    with pytest.raises(InvalidTransitionError, match="final"):
        next_decision_status("rejected", "applied")


def test_formatting() -> None:
    assert format_money(1_240_000, "KRW") == "₩1,240,000"
    assert format_money(1240.5, "USD") == "$1,240.50"
    assert format_money(-3, "CHF") == "-3.00 CHF"
    assert format_hours(41.4) == "41" and format_hours(2.25) == "2.2" and format_hours(3) == "3"
    start = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)  # Friday 06:00 in Seoul
    window = (start, start + timedelta(hours=2))
    assert format_window(*window, NOW, "Asia/Seoul", "ko") == "3월 6일(금) 06:00–08:00"
    assert format_window(*window, NOW, "Asia/Seoul", "en") == "Fri 6 Mar 06:00–08:00"
    text = explain_maintenance(
        "m1", ExplanationInputs(component="pump"), benefit=-5000, window=None, now=NOW
    )
    assert (
        text.en == "m1: maintenance of the pump is due. Maintaining costs an expected ₩5,000 more."
    )
    assert text.ko == "m1: 펌프 정비가 필요합니다. 정비 시 예상 비용 ₩5,000 증가."
    assert text.get("ko") == text.ko and text.get("de") == text.en


def test_a_stale_answer_loses_and_leaves_no_audit_entry(store: Store) -> None:
    decision = service.propose(store, maintenance_proposal(), NOW)
    stale = get_decision(store, decision.id)
    service.reject(store, decision.id, "first answer", actor="kim", now=NOW + H)
    before = len(entries(store, target=decision.id))
    with pytest.raises(InvalidTransitionError, match="meanwhile"):
        set_status(store, stale, DecisionStatus.APPLIED, actor="lee", now=NOW + 2 * H)
    assert len(entries(store, target=decision.id)) == before
    assert get_decision(store, decision.id).reason == "first answer"
