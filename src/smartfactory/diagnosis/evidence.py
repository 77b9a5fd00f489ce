"""Evidence: suggested answers to the questionnaire, derived from the platform's own data.

Each rule reads :class:`~.facts.Facts` and returns an :class:`Evidence` for one question:
what was measured (in English and Korean), its value, and the level it supports, or no level
when the data say nothing either way (the question is then left to the person assessing).
Rules never claim more than the data show: a level that needs something the platform cannot
observe (a written strategy, two-way ERP links) is capped below it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smartfactory.diagnosis.facts import Facts
from smartfactory.domain.text import LocalizedText

__all__ = ["RULES", "Evidence", "collect_evidence"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the data show for one question, and the level it supports (None: no evidence)."""

    key: str
    level: int | None
    value: float | None
    text: LocalizedText


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _days(f: Facts) -> str:
    return f"{f.window.total_seconds() / 86400:.0f}"


def _connectivity(f: Facts) -> Evidence:
    share = _share(f.machines_with_samples, f.machines)
    level = 0 if share == 0 else 1 if share < 0.4 else 2 if share < 0.9 else 3
    return Evidence(
        "automation.connectivity",
        level,
        share,
        LocalizedText(
            en=f"{f.machines_with_samples} of {f.machines} machines ({_pct(share)}) sent signal"
            f" data automatically in the last {_days(f)} days.",
            ko=f"최근 {_days(f)}일간 설비 {f.machines}대 중 {f.machines_with_samples}대"
            f"({_pct(share)})가 신호 데이터를 자동 전송했습니다.",
        ),
    )


def _tracking(f: Facts) -> Evidence:
    both = min(f.machines_with_states, f.machines_with_counts)
    share = _share(both, f.machines)
    if both == 0:
        level = None
    elif share < 0.5:
        level = 1
    elif share < 0.9:
        level = 2
    else:
        level = 4 if f.decisions_applied and f.production_plans else 3
    return Evidence(
        "production.tracking",
        level,
        share,
        LocalizedText(
            en=f"States and counts recorded automatically for {both} of {f.machines} machines"
            f" ({_pct(share)}); OEE per shift is computed from them.",
            ko=f"설비 {f.machines}대 중 {both}대({_pct(share)})의 상태와 생산 수량이 자동"
            " 기록되며 이로부터 교대별 OEE가 계산됩니다.",
        ),
    )


def _reasons(f: Facts) -> Evidence:
    hours = f.unplanned_stop_s / 3600
    if f.unplanned_stop_s <= 0:
        return Evidence(
            "production.reasons",
            None,
            None,
            LocalizedText(
                en=f"No unplanned stop was recorded in the last {_days(f)} days.",
                ko=f"최근 {_days(f)}일간 기록된 비계획 정지가 없습니다.",
            ),
        )
    share = f.unplanned_stop_with_reason_s / f.unplanned_stop_s
    level = 2 if share < 0.8 else 3
    return Evidence(
        "production.reasons",
        level,
        share,
        LocalizedText(
            en=f"{_pct(share)} of {hours:,.1f} h of unplanned stops have a reason.",
            ko=f"비계획 정지 {hours:,.1f}시간 중 {_pct(share)}에 사유가 있습니다.",
        ),
    )


def _scrap(f: Facts) -> Evidence:
    share = _share(f.machines_with_counts, f.machines)
    level = None if share == 0 else 1 if share < 0.5 else 2
    return Evidence(
        "quality.scrap",
        level,
        share,
        LocalizedText(
            en=f"Good and scrap are counted automatically on {f.machines_with_counts} of"
            f" {f.machines} machines ({_pct(share)}).",
            ko=f"설비 {f.machines}대 중 {f.machines_with_counts}대({_pct(share)})에서 양품과"
            " 불량이 자동 집계됩니다.",
        ),
    )


def _schedules(f: Facts) -> Evidence:
    if f.production_plans:
        level = 4 if f.decisions_autonomous else 3
    elif f.orders:
        level = 2
    else:
        level = None
    return Evidence(
        "planning.schedules",
        level,
        float(f.production_plans),
        LocalizedText(
            en=f"{f.production_plans} finite-capacity plans and {f.orders} production orders"
            f" are stored; {f.decisions_autonomous} decisions were applied autonomously.",
            ko=f"유한능력 일정계획 {f.production_plans}건, 생산 주문 {f.orders}건이 저장되어"
            f" 있고, 자율 적용된 의사결정은 {f.decisions_autonomous}건입니다.",
        ),
    )


def _orders(f: Facts) -> Evidence:
    if not f.orders:
        level = None
    elif f.orders_finished_with_due:
        level = 3
    elif f.orders_in_progress:
        level = 2
    else:
        level = 1
    return Evidence(
        "planning.orders",
        level,
        float(f.orders),
        LocalizedText(
            en=f"{f.orders} orders stored, {f.orders_in_progress} with progress from counts,"
            f" {f.orders_finished_with_due} finished against a due date in the last"
            f" {_days(f)} days.",
            ko=f"주문 {f.orders}건 저장, 생산 실적으로 진척이 추적되는 주문 {f.orders_in_progress}"
            f"건, 최근 {_days(f)}일간 납기 대비 완료 {f.orders_finished_with_due}건.",
        ),
    )


def _on_time(f: Facts) -> Evidence:
    if not f.orders_finished_with_due:
        return Evidence(
            "logistics.on_time",
            1 if f.orders else None,
            None,
            LocalizedText(
                en=f"No order finished against a due date in the last {_days(f)} days.",
                ko=f"최근 {_days(f)}일간 납기 대비 완료된 주문이 없습니다.",
            ),
        )
    rate = f.orders_on_time / f.orders_finished_with_due
    return Evidence(
        "logistics.on_time",
        3,
        rate,
        LocalizedText(
            en=f"On-time delivery {_pct(rate)} ({f.orders_on_time} of"
            f" {f.orders_finished_with_due} orders), measured per product in the monthly report.",
            ko=f"납기 준수율 {_pct(rate)}(주문 {f.orders_finished_with_due}건 중"
            f" {f.orders_on_time}건), 월간 보고서에서 제품별로 측정됩니다.",
        ),
    )


def _practice(f: Facts) -> Evidence:
    predictive = "rul" in f.promoted_models
    if predictive and f.decisions_applied:
        level = 4
    elif f.machines_with_health:
        level = 3
    elif f.work_orders:
        level = 2
    else:
        level = None
    return Evidence(
        "maintenance.practice",
        level,
        float(f.work_orders),
        LocalizedText(
            en=f"{f.work_orders} work orders; health index live on {f.machines_with_health}"
            f" machines; promoted models: {', '.join(f.promoted_models) or 'none'};"
            f" {f.decisions_applied} maintenance or schedule decisions applied.",
            ko=f"작업지시 {f.work_orders}건, 건전성 지수 운영 설비 {f.machines_with_health}대,"
            f" 승격된 모델: {', '.join(f.promoted_models) or '없음'}, 적용된 의사결정"
            f" {f.decisions_applied}건.",
        ),
    )


def _records(f: Facts) -> Evidence:
    if not f.work_orders_closed:
        level = None
        share = None
    else:
        share = f.work_orders_with_failure_mode / f.work_orders_closed
        level = 2 if share < 0.8 else 4 if "failure_mode" in f.promoted_models else 3
    return Evidence(
        "maintenance.records",
        level,
        share,
        LocalizedText(
            en=f"{f.work_orders_closed} closed work orders, {f.work_orders_with_failure_mode}"
            " with the failure mode found.",
            ko=f"완료된 작업지시 {f.work_orders_closed}건 중 고장 모드가 기록된 것"
            f" {f.work_orders_with_failure_mode}건.",
        ),
    )


def _integration(f: Facts) -> Evidence:
    level: int | None = 3 if f.server_database or f.api_tokens else 2
    if level == 2 and not (f.machines_with_samples or f.machines_with_states):
        level = None  # an empty embedded store says nothing yet
    backend = "PostgreSQL server" if f.server_database else "embedded database"
    backend_ko = "PostgreSQL 서버" if f.server_database else "내장 데이터베이스"
    return Evidence(
        "information.integration",
        level,
        float(f.api_tokens),
        LocalizedText(
            en=f"Data in the {backend}; {f.api_tokens} active API tokens for other tools.",
            ko=f"데이터는 {backend_ko}에 있고, 다른 도구용 활성 API 토큰은 {f.api_tokens}개입니다.",
        ),
    )


def _history(f: Facts) -> Evidence:
    days = f.history_days
    if days <= 0:
        level = None
    elif days < 60:
        level = 2
    elif days < 365 or not f.promoted_models:
        level = 3
    else:
        level = 4
    return Evidence(
        "information.history",
        level,
        days,
        LocalizedText(
            en=f"{days:,.0f} days of production history are stored.",
            ko=f"{days:,.0f}일의 생산 이력이 저장되어 있습니다.",
        ),
    )


def _autonomy(f: Facts) -> Evidence:
    if f.decisions_autonomous:
        level = 4
    elif f.decisions:
        level = 3
    elif f.machines_with_health:
        level = 2
    elif f.machines_with_samples or f.machines_with_states:
        level = 1
    else:
        level = None
    return Evidence(
        "automation.autonomy",
        level,
        float(f.decisions),
        LocalizedText(
            en=f"{f.decisions} decisions recorded, {f.decisions_autonomous} applied"
            " autonomously within guardrails.",
            ko=f"의사결정 {f.decisions}건 기록, 그중 가드레일 안에서 자율 적용"
            f" {f.decisions_autonomous}건.",
        ),
    )


RULES: dict[str, Callable[[Facts], Evidence]] = {
    "automation.connectivity": _connectivity,
    "automation.autonomy": _autonomy,
    "production.tracking": _tracking,
    "production.reasons": _reasons,
    "quality.scrap": _scrap,
    "planning.schedules": _schedules,
    "planning.orders": _orders,
    "logistics.on_time": _on_time,
    "maintenance.practice": _practice,
    "maintenance.records": _records,
    "information.integration": _integration,
    "information.history": _history,
}
"""Every evidence rule by key (the ``evidence`` named by questions)."""


def collect_evidence(facts: Facts) -> dict[str, Evidence]:
    """Every rule's evidence for these facts."""
    return {key: rule(facts) for key, rule in RULES.items()}
