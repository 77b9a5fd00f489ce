"""KPI service functions over a Store: what the API and the dashboard call.

Each function reads the window's state intervals and counts from the store, valued with the
plant's routings (ideal cycle time of the product each interval made on that machine) and
laid over the site calendar, and returns validated rows ready for JSON::

    rows = oee(store, plant, start, end, group_by=("line", "day"))
    cube = load_cube(store, plant, start, end)            # once, then many roll-ups:
    tables = {by: rollup(cube, by) for by in (("machine",), ("shift",), ("product",))}

Auto-classification rules (:mod:`smartfactory.kpi.reasons`) are applied to the intervals read,
so an unclassified short stop shows up as a micro-stop without rewriting the store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from smartfactory.domain.assets import Plant
from smartfactory.kpi.calendar import CalendarGrid
from smartfactory.kpi.cells import fast_cells
from smartfactory.kpi.classify import assign_reason
from smartfactory.kpi.files import to_us
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import (
    Counts,
    Intervals,
    counts_from_arrow,
    counts_from_coded,
    intervals_from_arrow,
    intervals_from_coded,
)
from smartfactory.kpi.losses import LossReport
from smartfactory.kpi.losses import losses as compute_losses
from smartfactory.kpi.oee import PM_REASONS, over_performing
from smartfactory.kpi.reasons import AutoRule, ReasonTree, apply_rules, default_rules, default_tree
from smartfactory.kpi.rollup import Cube, KpiRow, build_cube, make_cube, rollup
from smartfactory.store.base import Store

__all__ = ["assign_reason", "load_cube", "losses", "oee", "oee_rollups"]

logger = logging.getLogger(__name__)


def _read(
    store: Store, start: datetime, end: datetime, machines: tuple[str, ...]
) -> tuple[Intervals, Counts]:
    """The window's rows; through the store's dictionary-encoded bulk reads when it has them."""
    coded_states = getattr(store, "query_states_coded", None)
    coded_counts = getattr(store, "query_counts_coded", None)
    if callable(coded_states) and callable(coded_counts):
        states = intervals_from_coded(coded_states(start, end, machines), machines)
        return states, counts_from_coded(coded_counts(start, end, machines))
    states = intervals_from_arrow(store.query_states(start, end, machines), machines)
    return states, counts_from_arrow(store.query_counts(start, end, machines), machines)


def load_cube(
    store: Store,
    plant: Plant,
    start: datetime,
    end: datetime,
    *,
    calendar: bool = True,
    rules: Sequence[AutoRule] | None = None,
    reference: bool = False,
) -> Cube:
    """The window [start, end) read from ``store``, prepared for any roll-up.

    ``calendar=False`` takes the recorded states as they are (no shift/break overlay);
    ``rules`` defaults to :func:`~smartfactory.kpi.reasons.default_rules`. The cube is summed
    by the fast path (:func:`~smartfactory.kpi.cells.fast_cells`) unless ``reference`` is set
    or a rule assigns a preventive-maintenance reason; the reference path also keeps the
    interval-level ``cube.frame`` that the loss analysis needs.
    """
    if end <= start:
        msg = f"empty window: end {end.isoformat()} is not after start {start.isoformat()}"
        raise ValueError(msg)
    machines = tuple(m.id for m in plant.machines())
    rules = default_rules() if rules is None else rules
    grid = CalendarGrid.build(plant.site.calendar, start, end)
    lo, hi = to_us(start), to_us(end)
    if not reference and not any(rule.reason in PM_REASONS for rule in rules):
        states, counts = _read(store, start, end, machines)
        ideal = IdealCycles.from_plant(plant)
        return make_cube(
            plant,
            fast_cells(states, counts, lo, hi, grid=grid, ideal=ideal, calendar=calendar),
            grid,
        )
    states = intervals_from_arrow(store.query_states(start, end, machines), machines)
    states = apply_rules(states, rules)
    counts = counts_from_arrow(store.query_counts(start, end, machines), machines)
    return build_cube(plant, states, counts, lo, hi, grid=grid, calendar=calendar)


def _warn(rows: list[KpiRow]) -> None:
    values = [r.performance if r.performance is not None else float("nan") for r in rows]
    for message in over_performing(np.array(values), [str(r.group) for r in rows]):
        logger.warning(message)


def oee(
    store: Store,
    plant: Plant,
    start: datetime,
    end: datetime,
    group_by: Sequence[str] = ("machine",),
    *,
    calendar: bool = True,
) -> list[KpiRow]:
    """OEE and the other ISO 22400 KPIs of [start, end) grouped by ``group_by``.

    ``group_by`` is any tuple of :data:`~smartfactory.kpi.rollup.DIMENSIONS` (``()`` gives one
    row for the whole site). Performance above 1 is returned as computed and logged as a
    warning (the ideal cycle time looks wrong).
    """
    rows = rollup(load_cube(store, plant, start, end, calendar=calendar), group_by).rows()
    _warn(rows)
    return rows


def oee_rollups(
    store: Store,
    plant: Plant,
    start: datetime,
    end: datetime,
    groupings: Sequence[Sequence[str]] = (
        ("machine",),
        ("line",),
        ("area",),
        ("site",),
        ("shift",),
        ("day",),
        ("week",),
        ("product",),
        ("order",),
    ),
    *,
    calendar: bool = True,
) -> dict[str, list[KpiRow]]:
    """Several roll-ups of one window read once; keys are the groupings joined by ``+``."""
    cube = load_cube(store, plant, start, end, calendar=calendar)
    return {"+".join(by): rollup(cube, by).rows() for by in groupings}


def losses(
    store: Store,
    plant: Plant,
    start: datetime,
    end: datetime,
    machines: Sequence[str] | None = None,
    *,
    tree: ReasonTree | None = None,
    micro_stop_s: float = 300.0,
    startup_s: float = 600.0,
) -> LossReport:
    """Six big losses, downtime Pareto, micro-stops, changeovers of [start, end).

    ``machines`` limits the report (default: all); an unexplained unplanned stop shorter than
    ``micro_stop_s`` counts as a micro-stop; scrap within ``startup_s`` after a setup is
    start-up (reduced yield) loss.
    """
    cube = load_cube(store, plant, start, end, rules=default_rules(micro_stop_s), reference=True)
    if cube.frame is None:  # pragma: no cover - the reference path always keeps it
        msg = "the reference cube has no frame"
        raise RuntimeError(msg)
    frame = cube.frame if machines is None else cube.frame.machines(machines)
    return compute_losses(frame, tree or default_tree(), startup_s=startup_s)
