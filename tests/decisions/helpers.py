"""Proposals shared by the decision tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartfactory.decisions.explain import ExplanationInputs
from smartfactory.decisions.log import Alternative, DecisionKind, Proposal, WorkOrderSpec
from smartfactory.decisions.workorders import Part

# 10:00 in Seoul on Monday 2 March 2026
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)


def maintenance_proposal(
    *,
    scope: str = "line-1",
    machine: str = "CNC-03",
    start_in_h: float = 20.0,
    benefit: float = 1_240_000.0,
    with_spec: bool = True,
    now: datetime = NOW,
) -> Proposal:
    """Maintain CNC-03 tomorrow 06:00-08:00 Seoul time (20 h after ``now`` by default)."""
    start = now + timedelta(hours=start_in_h)
    return Proposal(
        kind=DecisionKind.MAINTENANCE,
        scope=scope,
        machine=machine,
        inputs={"health": 0.42, "rul_h": {"p10": 22, "p50": 41, "p90": 70}},
        alternatives=(
            Alternative("run_to_failure", 3_100_000.0),
            Alternative("maintain_window", 1_860_000.0, start, start + 2 * H, "before the shift"),
        ),
        chosen="maintain_window",
        expected_benefit=benefit,
        explanation=ExplanationInputs(
            component="spindle_bearing",
            rul_median_h=41,
            rul_low_h=22,
            rul_high_h=70,
            note_en="before the shift change",
            note_ko="교대 전",
            timezone="Asia/Seoul",
        ),
        work_order=WorkOrderSpec(
            title="Replace spindle bearing", priority=1, parts=(Part("bearing 7014", 2),)
        )
        if with_spec
        else None,
    )


def schedule_proposal(scope: str = "line-2") -> Proposal:
    """Re-sequence the orders of a line (a schedule decision)."""
    return Proposal(
        kind=DecisionKind.SCHEDULE,
        scope=scope,
        machine=None,
        inputs={"tardiness_h": 6.5},
        alternatives=(
            Alternative("keep", 900_000.0),
            Alternative("resequence", 400_000.0, NOW + 10 * H, NOW + 18 * H),
        ),
        chosen="resequence",
        expected_benefit=500_000.0,
        explanation=ExplanationInputs(
            summary_en="run order WO-7 before WO-5",
            summary_ko="WO-7을 WO-5보다 먼저 생산",
            timezone="Asia/Seoul",
        ),
    )
