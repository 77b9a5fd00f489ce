"""Guardrails: the limits within which an ``autonomous`` scope may apply a decision itself.

Three checks, each giving a reason in English and Korean when it fails; a decision that fails
any of them is not applied but left for a person to approve, with the reasons stored:

``frozen_horizon``
    the chosen window starts within the frozen horizon (the next hours belong to people);
``max_changes_per_day``
    the scope already had that many autonomous applications in the last 24 hours;
``crew_capacity``
    (maintenance) as many maintenance jobs as there are crews already overlap the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smartfactory.decisions.autonomy import PLANT_SCOPE, AutonomySettings
from smartfactory.decisions.explain import format_hours
from smartfactory.decisions.log import DecisionKind, DecisionStatus, Proposal
from smartfactory.decisions.workorders import WorkOrderStatus
from smartfactory.store.base import Store

__all__ = ["SYSTEM_ACTOR", "Violation", "autonomous_changes", "check"]

SYSTEM_ACTOR = "system"
"""The actor recorded for what the system does on its own."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One guardrail a proposal breaks, with why in English and Korean."""

    code: str
    en: str
    ko: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form stored with the decision."""
        return {"code": self.code, "en": self.en, "ko": self.ko}


def autonomous_changes(store: Store, scope: str, now: datetime) -> int:
    """Decisions the system applied itself in the 24 hours before ``now`` (``plant``: all)."""
    since = now.astimezone(UTC) - timedelta(hours=24)
    statuses = [DecisionStatus.APPLIED.value, DecisionStatus.UNDONE.value]
    sql = (
        "SELECT COUNT(*) FROM decisions WHERE decided_by = ? AND decided_at >= ?"
        " AND status IN (?, ?)"
    )
    params: list[object] = [SYSTEM_ACTOR, since, *statuses]
    if scope != PLANT_SCOPE:
        sql += " AND scope = ?"
        params.append(scope)
    return int(store.query(sql, params)[0][0])


def _overlapping_jobs(store: Store, start: datetime, end: datetime) -> int:
    rows = store.query(
        "SELECT COUNT(*) FROM work_orders WHERE status IN (?, ?)"
        " AND scheduled_start < ? AND scheduled_end > ?",
        [
            WorkOrderStatus.SCHEDULED.value,
            WorkOrderStatus.IN_PROGRESS.value,
            end.astimezone(UTC),
            start.astimezone(UTC),
        ],
    )
    return int(rows[0][0])


def check(
    store: Store, proposal: Proposal, settings: AutonomySettings, now: datetime
) -> list[Violation]:
    """The guardrails ``proposal`` breaks under ``settings`` at ``now`` (empty: within)."""
    found: list[Violation] = []
    choice = proposal.choice()
    horizon = now + timedelta(hours=settings.frozen_horizon_h)
    if choice.start is not None and choice.start < horizon:
        h = format_hours(settings.frozen_horizon_h)
        found.append(
            Violation(
                "frozen_horizon",
                f"the window starts within the frozen horizon of {h} h",
                f"시작 시각이 고정 구간({h}시간) 안에 있음",
            )
        )
    done = autonomous_changes(store, settings.scope, now)
    if done >= settings.max_changes_per_day:
        n = settings.max_changes_per_day
        found.append(
            Violation(
                "max_changes_per_day",
                f"{done} autonomous changes in the last 24 h reach the limit of {n}",
                f"최근 24시간 자동 변경 {done}건으로 한도 {n}건에 도달",
            )
        )
    if (
        proposal.kind is DecisionKind.MAINTENANCE
        and choice.start is not None
        and choice.end is not None
    ):
        busy = _overlapping_jobs(store, choice.start, choice.end)
        if busy >= settings.crew_capacity:
            c = settings.crew_capacity
            found.append(
                Violation(
                    "crew_capacity",
                    f"{busy} maintenance jobs already overlap the window; crews: {c}",
                    f"같은 시간대에 정비 작업 {busy}건이 이미 있음(정비 인원 {c}팀)",
                )
            )
    return found
