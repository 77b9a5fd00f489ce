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
from smartfactory.kpi.intervals import I64, Counts, Intervals, clip_fill, split_at
from smartfactory.kpi.oee import F64, KPI_NAMES, Frame, Totals, kpis, prepare, totals

__all__ = [
    "DIMENSIONS",
    "Cells",
    "Cube",
    "KpiRow",
    "KpiTable",
    "build_cube",
    "cells_from_frame",
    "group_rows",
    "make_cube",
    "rollup",
]

DIMENSIONS = (
    "machine", "line", "area", "site", "shift", "shift_window", "day", "week", "product", "order",
)  # fmt: skip
"""What KPIs can be grouped by; ``shift`` is the shift's name, ``shift_window`` one occurrence."""

OFF_SHIFT = "off_shift"


@dataclass(frozen=True, slots=True)
class Dimension:
    """Labels of one dimension: a code per cell and the code's text."""

    codes: npt.NDArray[np.intp]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cells:
    """One window pre-aggregated per (machine, calendar segment, product, order).

    A *segment* is a stretch of the window between two consecutive calendar boundaries
    (``edges``), so it lies in one shift occurrence, break slot, day and week. ``totals`` holds
    each cell's time elements and quantities (calendar already applied); every roll-up is a
    sum of cells.
    """

    machine: npt.NDArray[np.intp]
    segment: npt.NDArray[np.intp]
    product: npt.NDArray[np.intp]
    order: npt.NDArray[np.intp]
    totals: Totals
    machines: tuple[str, ...]
    products: tuple[str, ...]
    orders: tuple[str, ...]
    edges: I64


@dataclass(frozen=True, slots=True)
class Cube:
    """One window's cells with every cell labelled in every dimension.

    ``frame`` keeps the interval-level frame when the cube was built from one (the reference
    path); the fast path leaves it ``None``.
    """

    cells: Cells
    dims: dict[str, Dimension]
    grid: CalendarGrid
    frame: Frame | None = None


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


def group_rows(*columns: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], int, list[int]]:
    """Group rows by equal values in all ``columns``: (group of each row, groups, first rows).

    Groups are numbered in lexicographic order of their values (first column most significant).
    """
    n = int(columns[0].shape[0]) if columns else 0
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0, []
    order = np.lexsort(columns[::-1])
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in columns:
        sc = c[order]
        new[1:] |= sc[1:] != sc[:-1]
    group = np.empty(n, dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    return group, int(new.sum()), order[new].tolist()


def cells_from_frame(frame: Frame, edges: I64) -> Cells:
    """The reference aggregation: sum a frame (intervals already cut at ``edges``) into cells."""
    iv, ct = frame.intervals, frame.counts
    row = np.maximum(frame.count_row, 0)
    seg_iv = np.searchsorted(edges, iv.start, side="right") - 1
    seg_ct = np.searchsorted(edges, ct.ts, side="right") - 1
    prod_ct = iv.product[row] if len(iv) else np.zeros(len(ct), dtype=np.int32)
    order_ct = iv.order[row] if len(iv) else np.zeros(len(ct), dtype=np.int32)
    cols = [
        np.concatenate([a, b]).astype(np.intp)
        for a, b in (
            (iv.machine, ct.machine), (seg_iv, seg_ct), (iv.product, prod_ct), (iv.order, order_ct),
        )
    ]  # fmt: skip
    group, n, first = group_rows(*cols)
    t = totals(frame, group[: len(iv)], group[len(iv) :], n)
    m, s, p, o = (c[first] for c in cols)
    return Cells(m, s, p, o, t, iv.machines, iv.products, iv.orders, edges)


def make_cube(plant: Plant, cells: Cells, grid: CalendarGrid, frame: Frame | None = None) -> Cube:
    """Label every cell in every dimension of :data:`DIMENSIONS`."""
    machine = cells.machine
    dims: dict[str, Dimension] = {"machine": Dimension(machine, cells.machines)}
    where = {}
    for area, line in plant.lines():
        for m in line.machines:
            where[m.id] = (line.id, area.id, plant.site.id)
    for level, name in enumerate(("line", "area", "site")):
        codes, labels = _lookup([where.get(m, ("", "", ""))[level] for m in cells.machines])
        dims[name] = Dimension(codes[machine], labels)
    at = cells.edges[cells.segment] if cells.edges.size else np.zeros(0, dtype=np.int64)
    shift = grid.shift_of(at)
    name_code = np.append(grid.shift_name, len(grid.shift_names))  # -1 -> off_shift
    dims["shift"] = Dimension(name_code[shift], (*grid.shift_names, OFF_SHIFT))
    n_occ = len(grid.shift_labels)
    dims["shift_window"] = Dimension(
        np.where(shift < 0, n_occ, shift), (*grid.shift_labels, OFF_SHIFT)
    )
    dims["day"] = Dimension(grid.day_of(at), grid.day_labels)
    dims["week"] = Dimension(grid.week_of(at), grid.week_labels)
    dims["product"] = Dimension(cells.product, cells.products)
    dims["order"] = Dimension(cells.order, cells.orders)
    return Cube(cells, dims, grid, frame)


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
    """The reference path: clip, fill and cut the intervals, then sum them into cells.

    Keeps the interval-level frame (``cube.frame``) for the loss analysis.
    """
    iv = clip_fill(states, start_us, end_us)
    iv, _ = split_at(iv, grid.boundaries())
    if calendar:
        iv = apply_calendar(iv, grid)
    keep = (counts.ts >= start_us) & (counts.ts < end_us)
    frame = prepare(iv, counts.take(keep), IdealCycles.from_plant(plant))
    cells = cells_from_frame(frame, grid.edges(start_us, end_us))
    return make_cube(plant, cells, grid, frame)


def rollup(cube: Cube, by: Sequence[str]) -> KpiTable:
    """KPIs of the cube grouped by the dimensions ``by`` (empty: one group, the whole window)."""
    unknown = [d for d in by if d not in cube.dims]
    if unknown:
        msg = f"unknown grouping {unknown}; choose from {', '.join(DIMENSIONS)}"
        raise ValueError(msg)
    cells = cube.cells.totals
    if not by:
        t = cells.combine(np.zeros(len(cells), np.intp), 1)
        return KpiTable((), [()], t, kpis(t))
    group, n, first = group_rows(*(cube.dims[d].codes for d in by))
    t = cells.combine(group, n)
    keys = [tuple(cube.dims[d].labels[int(cube.dims[d].codes[i])] for d in by) for i in first]
    return KpiTable(tuple(by), keys, t, kpis(t))
