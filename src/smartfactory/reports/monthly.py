"""The monthly report's figures: PQCD of a month against a baseline, from the KPI service.

Every number comes from the same services the dashboard uses (:func:`smartfactory.kpi.oee`,
:func:`~smartfactory.kpi.oee_rollups`, :func:`~smartfactory.kpi.losses`,
:func:`~smartfactory.kpi.spc_scrap`) or from the store's orders, work orders and decisions,
so the report and the screens never disagree. *Before/after* compares the month with a
baseline month (default: the one before) as PQCD deltas: productivity (OEE, good units per
planned hour), quality (quality rate, scrap), cost (downtime, maintenance and scrap cost in
the plant's currency) and delivery (on-time rate).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState
from smartfactory.errors import NotFoundError
from smartfactory.kpi.losses import LossReport
from smartfactory.kpi.oee import PM_REASONS
from smartfactory.kpi.rollup import KpiRow
from smartfactory.kpi.service import losses, oee_rollups
from smartfactory.kpi.spc.service import spc_scrap
from smartfactory.reports.period import Month
from smartfactory.store.base import Store

__all__ = [
    "DayKpi",
    "Delta",
    "MachineQuality",
    "MaintenanceFigures",
    "MonthFigures",
    "MonthlyReport",
    "ParetoBar",
    "monthly_report",
]

Better = Literal["higher", "lower"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DayKpi(_Out):
    """One local day's ISO 22400 ratios (None where undefined)."""

    day: str
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    good: int


class ParetoBar(_Out):
    """One downtime reason: hours, stops, share and cumulative share."""

    key: str
    label: str
    hours: float
    count: int
    share: float | None
    cumulative: float | None


class MachineQuality(_Out):
    """A machine's output, scrap and SPC out-of-control points in the month."""

    machine: str
    produced: int
    scrap: int
    scrap_ratio: float | None
    spc_signals: int


class MaintenanceFigures(_Out):
    """Breakdowns, MTBF/MTTR, work orders and decisions of the month.

    A failure is a breakdown as the loss analysis counts it (an unplanned stop that is not a
    micro-stop), so MTBF = production time / breakdowns and MTTR = breakdown time /
    breakdowns; micro-stops are in the unplanned downtime but not counted as failures.
    """

    failures: int
    mtbf_h: float | None
    mttr_h: float | None
    unplanned_downtime_h: float
    preventive_jobs: int
    work_orders_done: dict[str, int]
    failures_found: dict[str, int]
    decisions: dict[str, int]
    decisions_expected_benefit: float
    predictive_jobs_before_failure: int


class MonthFigures(_Out):
    """The PQCD figures of one month (or baseline)."""

    month: str
    days_with_data: int
    oee: float | None
    availability: float | None
    performance: float | None
    quality: float | None
    planned_busy_h: float
    good_units: int
    scrap_units: int
    good_per_planned_h: float | None
    scrap_ratio: float | None
    unplanned_downtime_h: float
    failures: int
    downtime_cost: float
    maintenance_cost: float
    scrap_cost: float
    total_cost: float
    orders_finished: int
    orders_on_time: int
    on_time_rate: float | None
    mean_lateness_h: float | None


class Delta(_Out):
    """One PQCD figure before and after, its change, and whether the change is better."""

    dimension: Literal["P", "Q", "C", "D"]
    key: str
    baseline: float | None
    value: float | None
    change: float | None
    relative: float | None
    better: bool | None
    higher_is_better: bool


class MonthlyReport(_Out):
    """Everything the monthly report shows."""

    plant: str
    plant_ko: str
    month: str
    baseline_month: str
    currency: str
    generated: datetime
    figures: MonthFigures
    baseline: MonthFigures
    deltas: list[Delta]
    daily: list[DayKpi]
    baseline_oee: float | None
    shifts: dict[str, float | None]
    six_big_losses_h: dict[str, float]
    pareto: list[ParetoBar]
    quality: list[MachineQuality]
    maintenance: MaintenanceFigures
    late_orders: list[dict[str, str | float]]


def _total(rows: list[KpiRow]) -> KpiRow | None:
    return rows[0] if rows else None


def _orders(
    store: Store, start: datetime, end: datetime
) -> tuple[int, int, float | None, list[tuple[str, str, float]]]:
    rows = store.query(
        "SELECT id, product, due, finished FROM orders WHERE finished IS NOT NULL"
        " AND due IS NOT NULL AND finished >= ? AND finished < ? ORDER BY finished",
        [start, end],
    )
    late = [(str(r[0]), str(r[1]), (r[3] - r[2]).total_seconds() / 3600.0) for r in rows]
    on_time = sum(1 for *_, h in late if h <= 0)
    lateness = [h for *_, h in late if h > 0]
    mean = float(np.mean(lateness)) if lateness else (0.0 if rows else None)
    worst = sorted((x for x in late if x[2] > 0), key=lambda x: -x[2])[:5]
    return len(rows), on_time, mean, worst


def _preventive_jobs(store: Store, start: datetime, end: datetime) -> tuple[int, float]:
    """Preventive-maintenance stops that began in [start, end): how many, and hours."""
    rows = store.query(
        'SELECT reason, count(*), sum(epoch(coalesce("end", start)) - epoch(start))'
        " FROM states WHERE state = ? AND start >= ? AND start < ? GROUP BY reason",
        [int(MachineState.PLANNED_STOP), start, end],
    )
    jobs = [(int(n), float(s or 0.0)) for reason, n, s in rows if reason in PM_REASONS]
    return sum(n for n, _ in jobs), sum(s for _, s in jobs) / 3600.0


def _figures(
    store: Store, plant: Plant, month: Month
) -> tuple[MonthFigures, dict[str, list[KpiRow]], LossReport]:
    start, end = month.window(plant.site.calendar.timezone)
    rollups = oee_rollups(
        store, plant, start, end, groupings=(("site",), ("day",), ("shift",), ("machine",))
    )
    loss = losses(store, plant, start, end)
    site = _total(rollups["site"])
    days = [r for r in rollups["day"] if r.pq > 0 or r.apt_s > 0]
    costs = plant.costs
    down_h = (site.down_s if site else 0.0) / 3600.0
    failures = loss.breakdowns.count
    preventive, preventive_h = _preventive_jobs(store, start, end)
    downtime_cost = down_h * costs.downtime_per_h
    maintenance_cost = (
        failures * costs.corrective_maintenance
        + preventive * costs.preventive_maintenance
        + (loss.breakdowns.seconds / 3600.0 + preventive_h) * costs.maintenance_labour_per_h
    )
    scrap = site.scrap if site else 0
    scrap_cost = scrap * costs.scrap_per_unit
    finished, on_time, lateness, _ = _orders(store, start, end)
    pbt_h = (site.pbt_s if site else 0.0) / 3600.0
    figures = MonthFigures(
        month=str(month),
        days_with_data=len(days),
        oee=site.oee if site else None,
        availability=site.availability if site else None,
        performance=site.performance if site else None,
        quality=site.quality if site else None,
        planned_busy_h=pbt_h,
        good_units=site.gq if site else 0,
        scrap_units=scrap,
        good_per_planned_h=(site.gq / pbt_h) if site and pbt_h > 0 else None,
        scrap_ratio=site.scrap_ratio if site else None,
        unplanned_downtime_h=down_h,
        failures=failures,
        downtime_cost=downtime_cost,
        maintenance_cost=maintenance_cost,
        scrap_cost=scrap_cost,
        total_cost=downtime_cost + maintenance_cost + scrap_cost,
        orders_finished=finished,
        orders_on_time=on_time,
        on_time_rate=on_time / finished if finished else None,
        mean_lateness_h=lateness,
    )
    return figures, rollups, loss


_DELTAS: tuple[tuple[Literal["P", "Q", "C", "D"], str, bool], ...] = (
    ("P", "oee", True),
    ("P", "good_per_planned_h", True),
    ("P", "availability", True),
    ("Q", "quality", True),
    ("Q", "scrap_ratio", False),
    ("C", "total_cost", False),
    ("C", "downtime_cost", False),
    ("C", "maintenance_cost", False),
    ("D", "on_time_rate", True),
    ("D", "mean_lateness_h", False),
)


def _deltas(now: MonthFigures, before: MonthFigures) -> list[Delta]:
    out: list[Delta] = []
    for dimension, key, higher in _DELTAS:
        value, base = getattr(now, key), getattr(before, key)
        change = None if value is None or base is None else value - base
        relative = None if change is None or not base else change / abs(base)
        better = None if change is None or change == 0 else (change > 0) == higher
        out.append(
            Delta(
                dimension=dimension,
                key=key,
                baseline=base,
                value=value,
                change=change,
                relative=relative,
                better=better,
                higher_is_better=higher,
            )
        )
    return out


def _maintenance(
    store: Store,
    site: KpiRow | None,
    loss: LossReport,
    window: tuple[datetime, datetime],
    preventive: int,
) -> MaintenanceFigures:
    start, end = window
    done = store.query(
        "SELECT kind, count(*) FROM work_orders WHERE status = 'done' AND closed >= ?"
        " AND closed < ? GROUP BY kind ORDER BY kind",
        [start, end],
    )
    found = store.query(
        "SELECT failure_mode, count(*) FROM work_orders WHERE status = 'done' AND closed >= ?"
        " AND closed < ? AND failure_mode IS NOT NULL GROUP BY failure_mode ORDER BY 2 DESC",
        [start, end],
    )
    decided = store.query(
        "SELECT status, data FROM decisions WHERE ts >= ? AND ts < ?", [start, end]
    )
    statuses: dict[str, int] = {}
    benefit = 0.0
    for status, data in decided:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status in ("applied", "approved"):
            try:
                benefit += float(json.loads(data).get("expected_benefit") or 0.0)
            except (ValueError, TypeError, AttributeError):
                continue
    predictive = store.query(
        "SELECT count(*) FROM work_orders WHERE status = 'done' AND kind = 'predictive'"
        " AND closed >= ? AND closed < ?",
        [start, end],
    )
    failures = loss.breakdowns.count
    apt_h = (site.apt_s if site else 0.0) / 3600.0
    return MaintenanceFigures(
        failures=failures,
        mtbf_h=apt_h / failures if failures else None,
        mttr_h=loss.breakdowns.seconds / 3600.0 / failures if failures else None,
        unplanned_downtime_h=(site.down_s if site else 0.0) / 3600.0,
        preventive_jobs=preventive,
        work_orders_done={str(k): int(n) for k, n in done},
        failures_found={str(k): int(n) for k, n in found},
        decisions=statuses,
        decisions_expected_benefit=benefit,
        predictive_jobs_before_failure=int(predictive[0][0]) if predictive else 0,
    )


def _quality(
    store: Store, plant: Plant, rows: list[KpiRow], start: datetime, end: datetime
) -> list[MachineQuality]:
    out: list[MachineQuality] = []
    for row in rows:
        machine = row.group.get("machine", "")
        try:
            chart = spc_scrap(store, plant, machine, start, end, subgroup="day", write_alerts=False)
            signals = len({int(i) for hits in chart.hits.values() for i in hits.tolist()})
        except NotFoundError:
            signals = 0
        out.append(
            MachineQuality(
                machine=machine,
                produced=row.pq,
                scrap=row.scrap,
                scrap_ratio=row.scrap_ratio,
                spc_signals=signals,
            )
        )
    return sorted(out, key=lambda q: -(q.scrap_ratio or 0.0))


def monthly_report(
    store: Store,
    plant: Plant,
    month: Month,
    baseline: Month | None = None,
    *,
    language: str = "en",
    now: datetime | None = None,
) -> MonthlyReport:
    """The figures of ``month`` against ``baseline`` (default: the month before)."""
    base_month = baseline or month.previous()
    figures, rollups, report = _figures(store, plant, month)
    before, base_rollups, _ = _figures(store, plant, base_month)
    start, end = month.window(plant.site.calendar.timezone)
    pareto = [
        ParetoBar(
            key=item.key,
            label=item.label_ko if language == "ko" else item.label_en,
            hours=item.seconds / 3600.0,
            count=item.count,
            share=item.share,
            cumulative=item.cumulative,
        )
        for item in report.pareto_by_reason[:10]
    ]
    site = _total(rollups["site"])
    _, _, _, late = _orders(store, start, end)
    base_site = _total(base_rollups["site"])
    return MonthlyReport(
        plant=plant.site.name.en,
        plant_ko=plant.site.name.get("ko"),
        month=str(month),
        baseline_month=str(base_month),
        currency=plant.costs.currency,
        generated=(now or datetime.now(UTC)).astimezone(UTC),
        figures=figures,
        baseline=before,
        deltas=_deltas(figures, before),
        daily=[
            DayKpi(
                day=r.group.get("day", ""),
                availability=r.availability,
                performance=r.performance,
                quality=r.quality,
                oee=r.oee,
                good=r.gq,
            )
            for r in rollups["day"]
            if r.pbt_s > 0
        ],
        baseline_oee=base_site.oee if base_site else None,
        shifts={r.group.get("shift", ""): r.oee for r in rollups["shift"]},
        six_big_losses_h={k: v / 3600.0 for k, v in report.six_big_losses.items()},
        pareto=pareto,
        quality=_quality(store, plant, rollups["machine"], start, end),
        maintenance=_maintenance(
            store, site, report, (start, end), _preventive_jobs(store, start, end)[0]
        ),
        late_orders=[
            {"order": str(o), "product": str(p), "late_h": round(h, 1)} for o, p, h in late
        ],
    )
