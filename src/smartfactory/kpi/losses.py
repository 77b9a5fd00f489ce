"""The loss model: six big losses, downtime Pareto, micro-stops, speed loss and changeovers.

Every second of planned busy time that is not valuable operating time lands in one loss (all
in seconds, so they can be compared and summed)::

    breakdowns          unplanned stops whose reason is a breakdown
    setup_adjustments   setup time, and stops for adjustments / quality checks
    idling_minor_stops  idle, starved, blocked and micro-stops
    reduced_speed       APT - sum(ideal cycle x PQ)   (negative when E > 1)
    process_defects     ideal cycle x scrap, outside the start-up window
    reduced_yield       ideal cycle x scrap within ``startup_s`` after a setup, plus warm-up
    unknown             unknown state, gaps and unplanned stops nobody classified yet

A stop's category comes from its reason in the :class:`~smartfactory.kpi.reasons.ReasonTree`;
without a reason, from its state (setup -> setup, idle/starved/blocked -> idling, anything
else -> unknown). Occurrences count runs: contiguous pieces with the same state and reason
(an interval cut at a shift boundary) are one stop. Changeovers (setup runs) are also broken
down by product transition: from the last product made before the setup to the product it
was for.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from smartfactory.domain.states import MachineState as S
from smartfactory.kpi.intervals import group_cummax
from smartfactory.kpi.oee import F64, Frame
from smartfactory.kpi.reasons import UNCLASSIFIED, LossCategory, ReasonTree

__all__ = ["ChangeoverTransition", "LossItem", "LossReport", "StopStats", "losses"]

SIX_BIG_LOSSES = (
    "breakdowns", "setup_adjustments", "idling_minor_stops", "reduced_speed",
    "process_defects", "reduced_yield",
)  # fmt: skip

_CATS = tuple(LossCategory)
_STATE_DEFAULT = {
    S.SETUP: LossCategory.SETUP,
    S.IDLE: LossCategory.IDLE,
    S.STARVED: LossCategory.IDLE,
    S.BLOCKED: LossCategory.IDLE,
    S.PLANNED_STOP: LossCategory.PLANNED,
    S.NO_SHIFT: LossCategory.PLANNED,
}


class LossItem(BaseModel):
    """One bar of a Pareto chart: seconds, occurrences and share of the downtime."""

    model_config = ConfigDict(frozen=True)

    key: str
    label_en: str
    label_ko: str
    seconds: float
    count: int
    share: float | None
    cumulative: float | None


class StopStats(BaseModel):
    """How many stops of a kind and how long they took."""

    model_config = ConfigDict(frozen=True)

    count: int
    seconds: float
    mean_s: float | None


class ChangeoverTransition(BaseModel):
    """Changeovers from one product to another: how many and how long they took.

    ``from_product`` is the last product the machine made before the setup, ``None`` when it
    made none earlier in the window; ``to_product`` the product the setup was for (the setup
    interval's product, else the next product made), ``None`` when unknown.
    """

    model_config = ConfigDict(frozen=True)

    from_product: str | None
    to_product: str | None
    count: int
    seconds: float
    mean_s: float


class LossReport(BaseModel):
    """Losses of one window (and machine selection)."""

    model_config = ConfigDict(frozen=True)

    six_big_losses: dict[str, float]
    unknown_s: float
    pareto_by_category: list[LossItem]
    pareto_by_reason: list[LossItem]
    micro_stops: StopStats
    changeovers: StopStats
    changeovers_by_transition: list[ChangeoverTransition]
    breakdowns: StopStats
    speed_loss_s: float


def _categories(frame: Frame, tree: ReasonTree) -> npt.NDArray[np.intp]:
    iv = frame.intervals
    by_reason = np.array(
        [_CATS.index(tree.category(r)) if tree.find(r) else -1 for r in iv.reasons], dtype=np.intp
    )
    by_state = np.array(
        [_CATS.index(_STATE_DEFAULT.get(s, LossCategory.UNKNOWN)) for s in S], dtype=np.intp
    )
    cat = by_reason[iv.reason]
    return np.where(cat >= 0, cat, by_state[iv.state])


def _run_starts(frame: Frame) -> npt.NDArray[np.bool_]:
    iv = frame.intervals
    start = np.ones(len(iv), dtype=bool)
    if len(iv) > 1:
        start[1:] = ~(
            (iv.machine[1:] == iv.machine[:-1])
            & (iv.start[1:] == iv.end[:-1])
            & (iv.state[1:] == iv.state[:-1])
            & (iv.reason[1:] == iv.reason[:-1])
        )
    return start


def _pareto(
    keys: npt.NDArray[np.intp],
    secs: F64,
    starts: npt.NDArray[np.bool_],
    labels: list[tuple[str, str, str]],
) -> list[LossItem]:
    n = len(labels)
    seconds = np.bincount(keys, weights=secs, minlength=n)
    counts = np.bincount(keys, weights=starts.astype(np.float64), minlength=n)
    total = float(seconds.sum())
    order = [int(i) for i in np.argsort(-seconds, kind="stable") if seconds[i] > 0]
    out, running = [], 0.0
    for i in order:
        running += float(seconds[i])
        out.append(
            LossItem(
                key=labels[i][0],
                label_en=labels[i][1],
                label_ko=labels[i][2],
                seconds=float(seconds[i]),
                count=round(counts[i]),
                share=float(seconds[i]) / total if total else None,
                cumulative=running / total if total else None,
            )
        )
    return out


def _stats(mask: npt.NDArray[np.bool_], secs: F64, starts: npt.NDArray[np.bool_]) -> StopStats:
    count = int((mask & starts).sum())
    seconds = float(secs[mask].sum())
    return StopStats(count=count, seconds=seconds, mean_s=seconds / count if count else None)


def _transitions(
    frame: Frame, setup: npt.NDArray[np.bool_], starts: npt.NDArray[np.bool_]
) -> list[ChangeoverTransition]:
    """Setup runs grouped by (previous product, next product), longest total first."""
    iv = frame.intervals
    n = len(iv)
    if not setup.any():
        return []
    made = (iv.product > 0) & (iv.state != S.SETUP)
    pos = np.arange(n, dtype=np.int64)
    # the last interval at or before each row (same machine) that made a product
    last = group_cummax(np.where(made, pos, -1), iv.machine)
    # the first one at or after each row: the same running maximum over the reversed rows
    rev_group = (int(iv.machine.max()) - iv.machine[::-1]).astype(np.int32)
    first_rev = group_cummax(np.where(made[::-1], pos, -1), rev_group)
    first = np.where(first_rev >= 0, n - 1 - first_rev, -1)[::-1]
    run = np.cumsum(starts) - 1
    seconds = np.bincount(run[setup], weights=iv.seconds[setup], minlength=int(run[-1]) + 1)
    totals: dict[tuple[str | None, str | None], tuple[int, float]] = {}
    for i in np.flatnonzero(setup & starts).tolist():
        before = int(last[i])
        after = int(first[i])
        to = (
            int(iv.product[i]) if iv.product[i] > 0 else int(iv.product[after]) if after >= 0 else 0
        )
        key = (
            iv.products[int(iv.product[before])] if before >= 0 else None,
            iv.products[to] if to > 0 else None,
        )
        count, secs = totals.get(key, (0, 0.0))
        totals[key] = (count + 1, secs + float(seconds[run[i]]))
    items = [
        ChangeoverTransition(from_product=a, to_product=b, count=c, seconds=t, mean_s=t / c)
        for (a, b), (c, t) in totals.items()
    ]
    return sorted(items, key=lambda x: (-x.seconds, x.from_product or "", x.to_product or ""))


def _startup_scrap(frame: Frame, startup_s: float) -> F64:
    """Per count: the scrap made within ``startup_s`` after the latest setup ended."""
    iv, ct = frame.intervals, frame.counts
    if len(iv) == 0 or len(ct) == 0:
        return np.zeros(len(ct))
    sentinel = int(iv.start.min()) - int(startup_s * 1e6) - 1
    setup_end = np.where(iv.state == S.SETUP, iv.end, sentinel)
    latest = group_cummax(setup_end.astype(np.int64), iv.machine)
    row = frame.count_row
    last = np.where(row >= 0, latest[np.maximum(row, 0)], sentinel)
    early = (ct.ts - last) <= startup_s * 1e6
    return np.where(early, ct.scrap, 0).astype(np.float64)


def losses(frame: Frame, tree: ReasonTree, startup_s: float = 600.0) -> LossReport:
    """The loss report of a frame (already calendar-applied and auto-classified)."""
    iv, ct = frame.intervals, frame.counts
    secs = iv.seconds
    cat = _categories(frame, tree)
    starts = _run_starts(frame)
    in_pbt = (iv.state != S.PLANNED_STOP) & (iv.state != S.NO_SHIFT)
    stop = in_pbt & (iv.state != S.PRODUCING)

    def cat_s(*cats: LossCategory) -> float:
        mask = stop & np.isin(cat, [_CATS.index(c) for c in cats])
        return float(secs[mask].sum())

    valued = ~np.isnan(frame.ideal_s)
    ideal = np.where(valued, frame.ideal_s, 0.0)
    pq = (ct.good + ct.scrap).astype(np.float64)
    apt = float(secs[iv.state == S.PRODUCING].sum())
    speed = apt - float((ideal * pq).sum())
    early = _startup_scrap(frame, startup_s)
    startup_loss = float((ideal * early).sum())
    defects = float((ideal * ct.scrap).sum()) - startup_loss
    six = {
        "breakdowns": cat_s(LossCategory.BREAKDOWN),
        "setup_adjustments": cat_s(LossCategory.SETUP),
        "idling_minor_stops": cat_s(LossCategory.IDLE, LossCategory.MINOR_STOP),
        "reduced_speed": speed,
        "process_defects": defects,
        "reduced_yield": startup_loss + cat_s(LossCategory.STARTUP),
    }
    cat_labels = [(c.value, *_cat_label(c)) for c in _CATS]
    reason_labels = [
        (
            r or UNCLASSIFIED,
            tree.label(r or UNCLASSIFIED, "en"),
            tree.label(r or UNCLASSIFIED, "ko"),
        )
        for r in iv.reasons
    ]
    stop_starts = starts[stop]
    minor = stop & (cat == _CATS.index(LossCategory.MINOR_STOP))
    setup = in_pbt & (iv.state == S.SETUP)
    return LossReport(
        six_big_losses=six,
        unknown_s=cat_s(LossCategory.UNKNOWN),
        pareto_by_category=_pareto(cat[stop], secs[stop], stop_starts, cat_labels),
        pareto_by_reason=_pareto(
            iv.reason[stop].astype(np.intp), secs[stop], stop_starts, reason_labels
        ),
        micro_stops=_stats(minor, secs, starts),
        changeovers=_stats(setup, secs, starts),
        changeovers_by_transition=_transitions(frame, setup, starts),
        breakdowns=_stats(stop & (cat == _CATS.index(LossCategory.BREAKDOWN)), secs, starts),
        speed_loss_s=speed,
    )


_LABELS = {
    LossCategory.BREAKDOWN: ("Breakdowns", "설비 고장"),
    LossCategory.SETUP: ("Setup and adjustments", "셋업·조정"),
    LossCategory.MINOR_STOP: ("Minor stops", "순간 정지"),
    LossCategory.IDLE: ("Idling and waiting", "공회전·대기"),
    LossCategory.STARTUP: ("Start-up", "초기 수율"),
    LossCategory.QUALITY: ("Quality", "품질"),
    LossCategory.PLANNED: ("Planned", "계획 정지"),
    LossCategory.UNKNOWN: ("Unknown / unclassified", "미확인·미분류"),
}


def _cat_label(c: LossCategory) -> tuple[str, str]:
    return _LABELS[c]
