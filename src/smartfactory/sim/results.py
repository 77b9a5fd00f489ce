"""The summary of a simulation run, as ``smartfactory simulate --json`` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from smartfactory.domain.assets import Costs
from smartfactory.domain.states import MachineState, in_planned_busy_time
from smartfactory.sim.live import ratios

__all__ = ["MachineFigures", "SimulationResult", "summarise"]


@dataclass(frozen=True, slots=True)
class MachineFigures:
    """What one machine did over a run (inputs of :func:`summarise`)."""

    state_s: Sequence[float]  # seconds per MachineState code
    reason_s: dict[str, float]
    ideal_s: float
    good: int
    scrap: int
    failures: int
    repairs: int
    preventive: int
    crew_s: float


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Totals of a simulation run.

    Units are counted per machine operation: ``good_units`` and ``scrap_units`` sum every
    machine's output (so they equal the sums of the stored ``counts`` rows), while
    ``finished_units`` are good units out of the last routing step. Conservation:
    ``units_started == finished_units + scrap_units + wip_units``.

    Ratios are ISO 22400-2 over all machines: availability = APT / PBT (PBT excludes planned
    stops and no-shift time), performance = sum(ideal cycle x units) / APT, quality = good /
    (good + scrap), oee = availability x performance x quality (0 where undefined).

    Costs use ``plant.costs``::

        maintenance_cost = preventive_jobs * preventive_maintenance
                         + repairs * corrective_maintenance
                         + crew_hours * maintenance_labour_per_h
        downtime_cost    = unplanned_downtime_h * downtime_per_h
        scrap_cost       = scrap_units * scrap_per_unit
        total_cost       = maintenance_cost + downtime_cost + scrap_cost

    ``unplanned_downtime_h`` is all UNPLANNED_STOP time (breakdowns including waiting for a
    crew, and micro-stops); ``planned_maintenance_h`` is PLANNED_STOP time for preventive
    maintenance (including waiting for a crew).
    """

    start: datetime
    end: datetime
    simulated_days: float
    machines: int
    machine_hours: float
    oee: float
    availability: float
    performance: float
    quality: float
    good_units: int
    scrap_units: int
    finished_units: int
    units_started: int
    wip_units: int
    failures: int
    repairs: int
    preventive_jobs: int
    unplanned_downtime_h: float
    breakdown_h: float
    micro_stop_h: float
    planned_maintenance_h: float
    crew_hours: float
    maintenance_cost: float
    downtime_cost: float
    scrap_cost: float
    total_cost: float
    currency: str
    orders_released: int
    orders_done: int
    samples_written: int
    wall_s: float

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (instants as ISO 8601 text)."""
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["end"] = self.end.isoformat()
        return out


def summarise(
    figures: Sequence[MachineFigures],
    costs: Costs,
    *,
    start: datetime,
    end: datetime,
    finished_units: int,
    units_started: int,
    wip_units: int,
    orders_released: int,
    orders_done: int,
    samples_written: int,
    wall_s: float,
) -> SimulationResult:
    """Aggregate per-machine figures into a :class:`SimulationResult`."""
    apt = sum(f.state_s[MachineState.PRODUCING] for f in figures)
    pbt = sum(
        s
        for f in figures
        for code, s in enumerate(f.state_s)
        if in_planned_busy_time(MachineState(code))
    )
    good = sum(f.good for f in figures)
    scrap = sum(f.scrap for f in figures)
    a, p, q, oee = ratios(apt, pbt, sum(f.ideal_s for f in figures), good, scrap)
    unplanned_h = sum(f.state_s[MachineState.UNPLANNED_STOP] for f in figures) / 3600

    def reason_h(reason: str) -> float:
        return sum(f.reason_s.get(reason, 0.0) for f in figures) / 3600

    preventive = sum(f.preventive for f in figures)
    repairs = sum(f.repairs for f in figures)
    crew_h = sum(f.crew_s for f in figures) / 3600
    maintenance = (
        preventive * costs.preventive_maintenance
        + repairs * costs.corrective_maintenance
        + crew_h * costs.maintenance_labour_per_h
    )
    downtime = unplanned_h * costs.downtime_per_h
    scrap_cost = scrap * costs.scrap_per_unit
    span_s = (end - start).total_seconds()
    return SimulationResult(
        start=start,
        end=end,
        simulated_days=span_s / 86400,
        machines=len(figures),
        machine_hours=len(figures) * span_s / 3600,
        oee=oee or 0.0,
        availability=a or 0.0,
        performance=p or 0.0,
        quality=q or 0.0,
        good_units=good,
        scrap_units=scrap,
        finished_units=finished_units,
        units_started=units_started,
        wip_units=wip_units,
        failures=sum(f.failures for f in figures),
        repairs=repairs,
        preventive_jobs=preventive,
        unplanned_downtime_h=unplanned_h,
        breakdown_h=reason_h("breakdown"),
        micro_stop_h=reason_h("micro_stop"),
        planned_maintenance_h=reason_h("preventive_maintenance"),
        crew_hours=crew_h,
        maintenance_cost=maintenance,
        downtime_cost=downtime,
        scrap_cost=scrap_cost,
        total_cost=maintenance + downtime + scrap_cost,
        currency=costs.currency,
        orders_released=orders_released,
        orders_done=orders_done,
        samples_written=samples_written,
        wall_s=wall_s,
    )
