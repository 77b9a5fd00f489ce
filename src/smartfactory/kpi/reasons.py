"""Downtime reasons: a configurable tree with Korean and English labels, and auto-classification.

Every reason has a code (stored in the ``reason`` column of state intervals), a label in both
languages and a :class:`LossCategory` that places its time among the six big losses. The tree
is plain data (a plant may load its own from YAML or JSON with ``ReasonTree.model_validate``);
:func:`default_tree` covers the example plant.

:class:`AutoRule` classifies stops the machine did not explain, e.g. an unplanned stop shorter
than 300 s becomes ``micro_stop``. Rules only fill empty reasons; an operator's choice wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartfactory.domain.states import MachineState
from smartfactory.domain.text import LocalizedText
from smartfactory.kpi.intervals import Intervals

__all__ = [
    "UNCLASSIFIED",
    "AutoRule",
    "LossCategory",
    "ReasonNode",
    "ReasonTree",
    "apply_rules",
    "default_rules",
    "default_tree",
]

UNCLASSIFIED = "unclassified"


class LossCategory(StrEnum):
    """Where a reason's time goes in the loss model (six big losses plus non-losses)."""

    BREAKDOWN = "breakdown"  # equipment failure
    SETUP = "setup"  # setup and adjustments
    MINOR_STOP = "minor_stop"  # idling and minor stops
    IDLE = "idle"  # waiting: material, operator, downstream (idling)
    STARTUP = "startup"  # start-up / reduced yield
    QUALITY = "quality"  # process defects
    PLANNED = "planned"  # not a loss: breaks, preventive maintenance, no orders
    UNKNOWN = "unknown"  # not classified yet


class ReasonNode(BaseModel):
    """A reason and its more specific sub-reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    label: LocalizedText
    category: LossCategory
    children: tuple[ReasonNode, ...] = ()

    def walk(self, parents: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], ReasonNode]]:
        """The node and every descendant with the codes of its ancestors."""
        yield parents, self
        for child in self.children:
            yield from child.walk((*parents, self.code))


class ReasonTree(BaseModel):
    """The reasons a plant uses, as a tree; codes are unique across the tree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roots: tuple[ReasonNode, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ReasonTree:
        codes = [n.code for _, n in self.nodes()]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            msg = f"duplicate reason code(s) {dup}"
            raise ValueError(msg)
        return self

    def nodes(self) -> Iterator[tuple[tuple[str, ...], ReasonNode]]:
        """Every node with its ancestors' codes, depth first."""
        for root in self.roots:
            yield from root.walk()

    def find(self, code: str) -> ReasonNode | None:
        """The node with this code, or None."""
        return next((n for _, n in self.nodes() if n.code == code), None)

    def path(self, code: str) -> tuple[str, ...]:
        """Codes from the root down to ``code``; empty if unknown."""
        return next(((*p, code) for p, n in self.nodes() if n.code == code), ())

    def category(self, code: str) -> LossCategory:
        """The loss category of ``code``; UNKNOWN for an empty or unknown code."""
        node = self.find(code) if code else None
        return node.category if node else LossCategory.UNKNOWN

    def label(self, code: str, language: str = "en") -> str:
        """Display label of ``code`` in ``en`` or ``ko``; the code itself if unknown."""
        node = self.find(code or UNCLASSIFIED)
        return node.label.get(language) if node else code


def _n(code: str, en: str, ko: str, cat: LossCategory, *kids: ReasonNode) -> ReasonNode:
    return ReasonNode(code=code, label=LocalizedText(en=en, ko=ko), category=cat, children=kids)


@cache
def default_tree() -> ReasonTree:
    """The reasons of the example plant (and the simulator)."""
    c = LossCategory
    return ReasonTree(
        roots=(
            _n("unplanned", "Unplanned stop", "비계획 정지", c.BREAKDOWN,
               _n("breakdown", "Breakdown", "설비 고장", c.BREAKDOWN,
                  _n("mechanical_failure", "Mechanical failure", "기계 고장", c.BREAKDOWN),
                  _n("electrical_failure", "Electrical failure", "전기 고장", c.BREAKDOWN),
                  _n("tool_breakage", "Tool breakage", "공구 파손", c.BREAKDOWN)),
               _n("micro_stop", "Micro-stop", "순간 정지", c.MINOR_STOP,
                  _n("jam", "Jam", "걸림", c.MINOR_STOP),
                  _n("sensor_trip", "Sensor trip", "센서 오작동", c.MINOR_STOP)),
               _n("quality_check", "Quality check", "품질 확인", c.SETUP),
               _n("adjustment", "Adjustment", "조정", c.SETUP)),
            _n("waiting", "Waiting", "대기", c.IDLE,
               _n("material_shortage", "Material shortage", "자재 부족", c.IDLE),
               _n("no_operator", "No operator", "작업자 부재", c.IDLE),
               _n("blocked_downstream", "Blocked downstream", "후공정 막힘", c.IDLE),
               _n("starved_upstream", "Starved upstream", "전공정 공급 부족", c.IDLE)),
            _n("setup", "Setup", "셋업", c.SETUP,
               _n("changeover", "Changeover", "품종 교체", c.SETUP),
               _n("tool_change", "Tool change", "공구 교환", c.SETUP),
               _n("warm_up", "Warm-up", "워밍업", c.STARTUP)),
            _n("planned", "Planned stop", "계획 정지", c.PLANNED,
               _n("break", "Break", "휴식", c.PLANNED),
               _n("preventive_maintenance", "Preventive maintenance", "예방 보전", c.PLANNED),
               _n("cleaning", "Cleaning", "청소", c.PLANNED),
               _n("meeting", "Meeting / training", "회의·교육", c.PLANNED),
               _n("no_order", "No order planned", "생산 계획 없음", c.PLANNED)),
            _n(UNCLASSIFIED, "Unclassified", "미분류", c.UNKNOWN),
        )
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AutoRule:
    """Give ``reason`` to unexplained intervals in ``state`` lasting [min_s, max_s)."""

    state: MachineState
    reason: str
    max_s: float = float("inf")
    min_s: float = 0.0


def default_rules(micro_stop_s: float = 300.0) -> tuple[AutoRule, ...]:
    """Unplanned stops shorter than ``micro_stop_s`` are micro-stops; setups are setups."""
    return (
        AutoRule(MachineState.UNPLANNED_STOP, "micro_stop", max_s=micro_stop_s),
        AutoRule(MachineState.STARVED, "starved_upstream"),
        AutoRule(MachineState.BLOCKED, "blocked_downstream"),
    )


def apply_rules(iv: Intervals, rules: Sequence[AutoRule]) -> Intervals:
    """``iv`` with empty reasons filled by the first matching rule (whole arrays at once)."""
    if not rules or len(iv) == 0:
        return iv
    reasons = list(iv.reasons)
    reason = iv.reason.copy()
    secs = iv.seconds
    for rule in rules:
        hit = (reason == 0) & (iv.state == rule.state) & (secs >= rule.min_s) & (secs < rule.max_s)
        if hit.any():
            if rule.reason not in reasons:
                reasons.append(rule.reason)
            reason[hit] = reasons.index(rule.reason)
    return replace(iv, reason=reason.astype(np.int32), reasons=tuple(reasons))
