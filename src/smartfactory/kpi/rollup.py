"""Roll-ups: KPIs grouped by any combination of plant level, calendar bucket, product and order.

:func:`build_cube` prepares one window once (intervals cut at shift, break, day and week
boundaries; the calendar applied; each interval and count labelled in every dimension);
:func:`rollup` then sums it by any tuple of :data:`DIMENSIONS`, e.g. ``("line", "day")``, in
a few ``bincount`` calls. Time buckets are local to the site's time zone; a count belongs to
the bucket of its timestamp and to the product and order of the interval that produced it.
A failure belongs to the bucket where its run of unplanned stops starts, so bucket failure
counts add up to the window's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from smartfactory.domain.assets import Plant
from smartfactory.kpi.calendar import CalendarGrid, apply_calendar
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import Counts, Intervals, clip_fill, split_at
from smartfactory.kpi.oee import F64, KPI_NAMES, Frame, Totals, kpis, prepare, totals

__all__ = ["DIMENSIONS", "Cube", "KpiRow", "KpiTable", "build_cube", "rollup"]

DIMENSIONS = (
    "machine", "line", "area", "site", "shift", "shift_window", "day", "week", "product", "order",
)  # fmt: skip
"""What KPIs can be grouped by; ``shift`` is the shift's name, ``shift_window`` one occurrence."""

OFF_SHIFT = "off_shift"
_DENSE_LIMIT = 1 << 22


@dataclass(frozen=True, slots=True)
class Dimension:
    """Labels of one dimension: a code per interval and per count, and the code's text."""

    iv: npt.NDArray[np.intp]
    ct: npt.NDArray[np.intp]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cube:
    """One window's frame with every row labelled in every dimension."""

    frame: Frame
    dims: dict[str, Dimension]
    grid: CalendarGrid


class KpiRow(BaseModel):
    """Time elements, quantities and KPIs of one group (``None`` where undefined)."""

    model_config = ConfigDict(frozen=True)

    group: dict[str, str]
    window_s: float
    pbt_s: float
    apt_s: float
    setup_s: float
    delay_s: float
    down_s: float
    unknown_s: float
    planned_stop_s: float
    no_shift_s: float
    pq: int
    gq: int
    scrap: int
    failures: int
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    mtbf_s: float | None
    mttr_s: float | None
    mttf_s: float | None
    setup_ratio: float | None
    scrap_ratio: float | None
    first_pass_yield: float | None
    throughput_per_h: float | None
    corrective_maintenance_ratio: float | None


@dataclass(frozen=True, slots=True)
class KpiTable:
    """The groups of a roll-up (label tuples), their totals and KPIs as arrays."""

    dims: tuple[str, ...]
    keys: list[tuple[str, ...]]
    totals: Totals
    kpis: dict[str, F64]

    def rows(self) -> list[KpiRow]:
        """One validated row per group, in key order."""
        t, out = self.totals, []
        times = {
            name: getattr(t, name)
            for name in ("window_s", "pbt_s", "apt_s", "setup_s", "delay_s", "down_s",
                         "unknown_s", "planned_stop_s", "no_shift_s")
        }  # fmt: skip
        for i, key in enumerate(self.keys):
            values: dict[str, object] = {n: float(a[i]) for n, a in times.items()}
            for name in KPI_NAMES:
                v = self.kpis[name][i]
                values[name] = None if np.isnan(v) else float(v)
            out.append(
                KpiRow(
                    group=dict(zip(self.dims, key, strict=True)),
                    pq=round(t.pq[i]),
                    gq=round(t.gq[i]),
                    scrap=round(t.scrap[i]),
                    failures=round(t.failures[i]),
                    **values,
                )
            )
        return out


def _lookup(values: Sequence[str]) -> tuple[npt.NDArray[np.intp], tuple[str, ...]]:
    labels = tuple(dict.fromkeys(values))
    index = {v: i for i, v in enumerate(labels)}
    return np.array([index[v] for v in values], dtype=np.intp), labels


def build_cube(
    plant: Plant,
    states: Intervals,
    counts: Counts,
    start_us: int,
    end_us: int,
    *,
    grid: CalendarGrid,
    calendar: bool = True,
) -> Cube:
    """Clip, fill and cut the window's intervals and label every row in every dimension."""
    iv = clip_fill(states, start_us, end_us)
    iv, _ = split_at(iv, grid.boundaries())
    if calendar:
        iv = apply_calendar(iv, grid)
    keep = (counts.ts >= start_us) & (counts.ts < end_us)
    frame = prepare(iv, counts.take(keep), IdealCycles.from_plant(plant))
    ct = frame.counts
    row = np.maximum(frame.count_row, 0)
    dims: dict[str, Dimension] = {}
    machine_iv, machine_ct = iv.machine.astype(np.intp), ct.machine.astype(np.intp)
    dims["machine"] = Dimension(machine_iv, machine_ct, iv.machines)
    where = {}
    for area, line in plant.lines():
        for m in line.machines:
            where[m.id] = (line.id, area.id, plant.site.id)
    for level, name in enumerate(("line", "area", "site")):
        codes, labels = _lookup([where.get(m, ("", "", ""))[level] for m in iv.machines])
        dims[name] = Dimension(codes[machine_iv], codes[machine_ct], labels)
    s_iv, s_ct = grid.shift_of(iv.start), grid.shift_of(ct.ts)
    n_occ = len(grid.shift_labels)
    name_code = np.append(grid.shift_name, len(grid.shift_names))  # -1 -> off_shift
    dims["shift"] = Dimension(name_code[s_iv], name_code[s_ct], (*grid.shift_names, OFF_SHIFT))
    dims["shift_window"] = Dimension(
        np.where(s_iv < 0, n_occ, s_iv), np.where(s_ct < 0, n_occ, s_ct),
        (*grid.shift_labels, OFF_SHIFT),
    )  # fmt: skip
    dims["day"] = Dimension(grid.day_of(iv.start), grid.day_of(ct.ts), grid.day_labels)
    dims["week"] = Dimension(grid.week_of(iv.start), grid.week_of(ct.ts), grid.week_labels)
    product_ct = iv.product[row] if len(iv) else np.zeros(len(ct), dtype=np.int32)
    order_ct = iv.order[row] if len(iv) else np.zeros(len(ct), dtype=np.int32)
    dims["product"] = Dimension(iv.product.astype(np.intp), product_ct.astype(np.intp), iv.products)
    dims["order"] = Dimension(iv.order.astype(np.intp), order_ct.astype(np.intp), iv.orders)
    return Cube(frame, dims, grid)


def rollup(cube: Cube, by: Sequence[str]) -> KpiTable:
    """KPIs of the cube grouped by the dimensions ``by`` (empty: one group, the whole window)."""
    unknown = [d for d in by if d not in cube.dims]
    if unknown:
        msg = f"unknown grouping {unknown}; choose from {', '.join(DIMENSIONS)}"
        raise ValueError(msg)
    frame = cube.frame
    n_iv, n_ct = len(frame.intervals), len(frame.counts)
    if not by:
        g_iv, g_ct = np.zeros(n_iv, np.intp), np.zeros(n_ct, np.intp)
        t = totals(frame, g_iv, g_ct, 1)
        return KpiTable((), [()], t, kpis(t))
    sizes = tuple(max(len(cube.dims[d].labels), 1) for d in by)
    key_iv = np.ravel_multi_index(tuple(cube.dims[d].iv for d in by), sizes)
    key_ct = np.ravel_multi_index(tuple(cube.dims[d].ct for d in by), sizes)
    space = int(np.prod(sizes, dtype=np.int64))
    if space <= _DENSE_LIMIT:  # dense codes: O(n) instead of sorting every row
        present = np.zeros(space, dtype=bool)
        present[key_iv] = True
        present[key_ct] = True
        uniq = np.flatnonzero(present)
        remap = np.zeros(space, dtype=np.intp)
        remap[uniq] = np.arange(uniq.size)
        g_iv, g_ct = remap[key_iv], remap[key_ct]
    else:
        uniq, inverse = np.unique(np.concatenate([key_iv, key_ct]), return_inverse=True)
        g_iv, g_ct = inverse[:n_iv], inverse[n_iv:]
    t = totals(frame, g_iv, g_ct, uniq.size)
    codes = np.unravel_index(uniq, sizes)
    keys = [
        tuple(cube.dims[d].labels[int(codes[j][i])] for j, d in enumerate(by))
        for i in range(uniq.size)
    ]
    return KpiTable(tuple(by), keys, t, kpis(t))
