"""OEE from exported MES files: the stable file interface behind ``smartfactory kpi oee``.

The window is [start, end); intervals are clipped to it and counts with start <= timestamp <
end are taken. Without a start or end, the window spans all state intervals (earliest start to
latest end over every machine). Gaps between a machine's intervals count as ``unknown``.
Totals sum times and quantities over machines and derive their ratios from those sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from smartfactory.errors import DataError
from smartfactory.kpi.files import read_counts, read_machines, read_states, to_us
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import Counts, Intervals, clip_fill
from smartfactory.kpi.oee import Totals, kpis, over_performing, prepare, totals

__all__ = ["MachineKpis", "OeeReport", "OfflineResult", "oee_from_arrays", "oee_from_files"]


class MachineKpis(BaseModel):
    """The KPIs of one machine or of all machines (JSON output of ``kpi oee``)."""

    model_config = ConfigDict(frozen=True)

    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    pbt_s: float
    apt_s: float
    pq: int
    gq: int
    failures: int
    mtbf_s: float | None
    mttr_s: float | None


class OeeReport(BaseModel):
    """``{"machines": {id: MachineKpis}, "total": MachineKpis}``."""

    model_config = ConfigDict(frozen=True)

    machines: dict[str, MachineKpis]
    total: MachineKpis


@dataclass(frozen=True, slots=True)
class OfflineResult:
    """The report, the warnings raised while computing it, and the window used (µs)."""

    report: OeeReport
    warnings: tuple[str, ...]
    start_us: int
    end_us: int


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _values(t: Totals, k: dict[str, np.ndarray], i: int) -> MachineKpis:
    return MachineKpis(
        availability=_opt(k["availability"][i]),
        performance=_opt(k["performance"][i]),
        quality=_opt(k["quality"][i]),
        oee=_opt(k["oee"][i]),
        pbt_s=float(t.pbt_s[i]),
        apt_s=float(t.apt_s[i]),
        pq=round(t.pq[i]),
        gq=round(t.gq[i]),
        failures=round(t.failures[i]),
        mtbf_s=_opt(k["mtbf_s"][i]),
        mttr_s=_opt(k["mttr_s"][i]),
    )


def oee_from_arrays(
    states: Intervals,
    counts: Counts,
    ideal: dict[str, float],
    start_us: int | None = None,
    end_us: int | None = None,
) -> OfflineResult:
    """The report for intervals and counts already in memory (what the CLI reads)."""
    if start_us is None or end_us is None:
        if len(states) == 0:
            msg = "no state intervals: give --from and --to to define the window"
            raise DataError(msg)
        start_us = int(states.start.min()) if start_us is None else start_us
        end_us = int(states.end.max()) if end_us is None else end_us
    if end_us <= start_us:
        msg = "the window is empty: --to must be after --from (and after the first interval)"
        raise DataError(msg)
    iv = clip_fill(states, start_us, end_us)
    keep = (counts.ts >= start_us) & (counts.ts < end_us)
    frame = prepare(iv, counts.take(keep), IdealCycles(by_machine=ideal))
    n = len(states.machines)
    per = totals(frame, iv.machine.astype(np.intp), frame.counts.machine.astype(np.intp), n)
    whole = per.combine(np.zeros(n, dtype=np.intp), 1)
    k_per, k_all = kpis(per), kpis(whole)
    report = OeeReport(
        machines={m: _values(per, k_per, i) for i, m in enumerate(states.machines)},
        total=_values(whole, k_all, 0),
    )
    warnings = over_performing(k_per["performance"], [f"machine {m}" for m in states.machines])
    warnings += over_performing(k_all["performance"], ["the total"])
    return OfflineResult(report, tuple(warnings), start_us, end_us)


def oee_from_files(
    machines_csv: Path,
    states_csv: Path,
    counts_csv: Path,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OfflineResult:
    """Read the three CSV files and compute the report; KpiInputError names a bad line."""
    ideal = read_machines(machines_csv)
    names = tuple(ideal)
    states = read_states(states_csv, names)
    counts = read_counts(counts_csv, names)
    return oee_from_arrays(
        states,
        counts,
        ideal,
        None if start is None else to_us(start),
        None if end is None else to_us(end),
    )
