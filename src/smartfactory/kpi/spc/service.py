"""SPC over the store: chart a machine's signal or its scrap, apply the run rules, raise alerts.

* :func:`spc_signal` - variables charts (I-MR, X-bar-R, X-bar-S) of a process signal.
* :func:`spc_scrap` - attribute charts (p, np, c, u) of the machine's stored good/scrap counts,
  one subgroup per clock hour, shift occurrence or local day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from smartfactory.domain.assets import Plant
from smartfactory.domain.records import Event
from smartfactory.domain.states import MachineState
from smartfactory.errors import NotFoundError
from smartfactory.kpi.calendar import CalendarGrid
from smartfactory.kpi.files import to_us
from smartfactory.kpi.spc.alerts import alerts
from smartfactory.kpi.spc.capability import Capability, capability
from smartfactory.kpi.spc.charts import (
    Chart,
    c_chart,
    imr,
    np_chart,
    p_chart,
    u_chart,
    xbar_r,
    xbar_s,
)
from smartfactory.kpi.spc.rules import NELSON, WESTERN_ELECTRIC, Rule, evaluate
from smartfactory.store.base import Store

__all__ = ["ATTRIBUTE_RULES", "AttributeResult", "SpcResult", "spc_scrap", "spc_signal"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR_US = 3_600_000_000

ATTRIBUTE_RULES: dict[str, Rule] = {k: NELSON[k] for k in ("N1", "N2", "N3", "N4")}
"""Nelson rules 1-4, the usual tests for attribute charts (the zone tests 5-8 assume a
symmetric, continuous statistic and fire spuriously on sparse counts)."""

_RULE_SETS: dict[str, dict[str, Rule]] = {
    "attribute": ATTRIBUTE_RULES,
    "nelson": NELSON,
    "western_electric": WESTERN_ELECTRIC,
}


@dataclass(frozen=True, slots=True)
class SpcResult:
    """The charts of a signal, the rule hits on the location chart and the alerts raised."""

    location: Chart
    spread: Chart
    timestamps: list[datetime]
    hits: dict[str, np.ndarray]
    events: list[Event]
    capability: Capability | None


def _producing(
    store: Store, machine: str, start: datetime, end: datetime, us: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which of the sample times ``us`` fall inside a producing interval of ``machine``.

    All of them when the machine has no recorded states in the window (signals without state
    tracking cannot be split by state).
    """
    states = store.query_states(start, end, [machine])
    if states.num_rows == 0:
        return np.ones(us.shape, dtype=np.bool_)
    code = np.asarray(states.column("state").to_numpy(), dtype=np.int64)
    keep = code == int(MachineState.PRODUCING)
    lo = np.asarray(states.column("start").cast(pa.int64()).to_numpy(), dtype=np.int64)[keep]
    hi_col = states.column("end").cast(pa.int64())
    open_end = np.asarray(hi_col.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    hi = np.asarray(hi_col.to_numpy(zero_copy_only=False), dtype=np.float64)
    hi = np.where(open_end, np.inf, hi)[keep]
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    k = np.searchsorted(lo, us, side="right") - 1  # the last interval starting at or before
    inside = k >= 0
    inside[inside] = us[inside] < hi[k[inside]]
    return inside


def spc_signal(
    store: Store,
    machine: str,
    signal: str,
    start: datetime,
    end: datetime,
    *,
    chart: Literal["imr", "xbar_r", "xbar_s"] = "imr",
    subgroup: int = 5,
    rules: Literal["nelson", "western_electric"] = "nelson",
    lsl: float | None = None,
    usl: float | None = None,
    write_alerts: bool = True,
    producing_only: bool = True,
) -> SpcResult:
    """Chart ``signal`` of ``machine`` over [start, end); store an alert event per rule hit.

    With ``producing_only`` (the default) only samples taken while the machine was producing
    are charted (when states are recorded): a process parameter is in control or not while
    the process runs, and idle or stopped readings would mix two populations. Subgroups
    (X-bar charts) are consecutive runs of ``subgroup`` samples, stamped with their last
    sample. NotFoundError when the signal is unknown or has fewer than 2 points.
    """
    table = store.signals()
    ids = [
        r["signal_id"] for r in table.to_pylist() if r["machine"] == machine and r["name"] == signal
    ]
    if not ids:
        msg = f"no signal {signal!r} on machine {machine!r}"
        raise NotFoundError(msg)
    samples = store.query_samples(ids, start, end)
    values = np.asarray(samples.column("value").to_numpy(zero_copy_only=False), dtype=np.float64)
    us = np.asarray(samples.column("ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
    ok = ~np.isnan(values)
    if producing_only:
        ok &= _producing(store, machine, start, end, us)
    values, us = values[ok], us[ok]
    if chart == "imr":
        if values.size < 2:
            msg = f"signal {signal!r} of {machine!r} has fewer than 2 samples in the window"
            raise NotFoundError(msg)
        location, spread = imr(values)
        stamps = us
    else:
        k = values.size // subgroup
        if k < 2:
            msg = f"signal {signal!r} of {machine!r} has fewer than 2 subgroups in the window"
            raise NotFoundError(msg)
        groups = values[: k * subgroup].reshape(k, subgroup)
        location, spread = (xbar_r if chart == "xbar_r" else xbar_s)(groups)
        stamps = us[: k * subgroup].reshape(k, subgroup)[:, -1]
    times = [_EPOCH + timedelta(microseconds=int(t)) for t in stamps]
    hits = evaluate(location, NELSON if rules == "nelson" else WESTERN_ELECTRIC)
    events = alerts(location, hits, machine, signal, times)
    if write_alerts and events:
        store.write_events(events)
    cap = None
    if lsl is not None or usl is not None:
        cap = capability(values, lsl, usl, subgroup=1 if chart == "imr" else subgroup)
    return SpcResult(location, spread, times, hits, events, cap)


@dataclass(frozen=True, slots=True)
class AttributeResult:
    """An attribute chart of a machine's scrap, one point per subgroup period with output.

    ``starts``/``ends`` bound each subgroup period (clipped to the window), ``labels`` name it
    (local hour, ``2024-03-04/day`` shift occurrence or local date); ``inspected`` is good +
    scrap and ``scrap`` the scrap units of the period.
    """

    chart: Chart
    starts: list[datetime]
    ends: list[datetime]
    labels: list[str]
    inspected: npt.NDArray[np.int64]
    scrap: npt.NDArray[np.int64]
    hits: dict[str, np.ndarray]
    events: list[Event]


def _periods(
    plant: Plant, start: datetime, end: datetime, ts: npt.NDArray[np.int64], subgroup: str
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """Period index of each count (-1: none), and the periods' starts, ends and labels."""
    lo, hi = to_us(start), to_us(end)
    zone = ZoneInfo(plant.site.calendar.timezone)
    if subgroup == "hour":
        first = lo - lo % _HOUR_US
        begin = np.arange(first, hi, _HOUR_US, dtype=np.int64)
        key = ((ts - first) // _HOUR_US).astype(np.intp)
        labels = [
            (_EPOCH + timedelta(microseconds=int(b))).astimezone(zone).isoformat(timespec="minutes")
            for b in begin
        ]
        return key, np.maximum(begin, lo), np.minimum(begin + _HOUR_US, hi), labels
    grid = CalendarGrid.build(plant.site.calendar, start, end)
    if subgroup == "day":
        begin = grid.day_start
        finish = np.append(grid.day_start[1:], hi).astype(np.int64)
        return grid.day_of(ts), np.maximum(begin, lo), np.minimum(finish, hi), list(grid.day_labels)
    if subgroup == "shift":
        return (
            grid.shift_of(ts),
            np.maximum(grid.shift_start, lo),
            np.minimum(grid.shift_end, hi),
            list(grid.shift_labels),
        )
    msg = f"unknown subgroup {subgroup!r}: use 'hour', 'shift' or 'day'"
    raise ValueError(msg)


def _attribute_chart(kind: str, scrap: npt.NDArray[np.int64], n: npt.NDArray[np.int64]) -> Chart:
    if kind == "p":
        return p_chart(scrap, n)
    if kind == "np":
        if np.any(n != n[0]):
            msg = "an np chart needs subgroups of equal size; use a p chart for varying output"
            raise ValueError(msg)
        return np_chart(scrap, int(n[0]))
    if kind == "c":
        return c_chart(scrap)
    if kind == "u":
        return u_chart(scrap, n)
    msg = f"unknown attribute chart {kind!r}: use 'p', 'np', 'c' or 'u'"
    raise ValueError(msg)


def spc_scrap(
    store: Store,
    plant: Plant,
    machine: str,
    start: datetime,
    end: datetime,
    *,
    chart: Literal["p", "np", "c", "u"] = "p",
    subgroup: Literal["hour", "shift", "day"] = "hour",
    rules: Literal["attribute", "nelson", "western_electric"] = "attribute",
    write_alerts: bool = True,
) -> AttributeResult:
    """Attribute chart of ``machine``'s scrap over [start, end); an alert event per rule hit.

    Each subgroup is one period - a clock hour, a shift occurrence of the site calendar or a
    local day - holding the counts stamped in it (counts outside every shift are left out of
    shift subgroups); periods without output are skipped. The p chart plots the scrap
    fraction with limits that vary with each period's output; np needs equal outputs; c plots
    scrap units per period and u scrap units per unit made (Poisson limits). Limits come from
    the window itself (phase I). ``rules`` defaults to Nelson 1-4 (:data:`ATTRIBUTE_RULES`);
    no rule is applied when the chart has no spread (no scrap at all). An alert is an
    ``spc_alert`` event stamped at the period's last count, whose data names the machine, the
    chart, the rules, the subgroup period and its counts. NotFoundError for a machine not in
    the plant or fewer than 2 subgroups with output; ValueError for an unknown chart or
    subgroup, or an np chart of unequal subgroups.
    """
    if machine not in {m.id for m in plant.machines()}:
        msg = f"no machine {machine!r} in plant"
        raise NotFoundError(msg)
    if end <= start:
        msg = f"empty window: end {end.isoformat()} is not after start {start.isoformat()}"
        raise ValueError(msg)
    counts = store.query_counts(start, end, [machine])
    ts = np.asarray(counts.column("ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
    good = np.asarray(counts.column("good").to_numpy(), dtype=np.int64)
    bad = np.asarray(counts.column("scrap").to_numpy(), dtype=np.int64)
    key, begin, finish, labels = _periods(plant, start, end, ts, subgroup)
    ok = (key >= 0) & (key < begin.size)
    key, ts, good, bad = key[ok], ts[ok], good[ok], bad[ok]
    size = begin.size
    made = np.bincount(key, weights=good + bad, minlength=size).astype(np.int64)
    scrap = np.bincount(key, weights=bad, minlength=size).astype(np.int64)
    last = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, key, ts)
    keep = np.flatnonzero(made > 0)
    if keep.size < 2:
        msg = f"machine {machine!r} has fewer than 2 {subgroup} subgroups with output"
        raise NotFoundError(msg)
    made, scrap, last = made[keep], scrap[keep], last[keep]
    result = _attribute_chart(chart, scrap, made)
    hits = evaluate(result, _RULE_SETS[rules]) if np.any(result.sigma > 0) else {}

    def when(t: int) -> datetime:
        return _EPOCH + timedelta(microseconds=int(t))

    starts = [when(t) for t in begin[keep].tolist()]
    ends = [when(t) for t in finish[keep].tolist()]
    names = [labels[int(i)] for i in keep]
    events = []
    points = sorted({int(i) for index in hits.values() for i in index.tolist()})
    raw = alerts(result, hits, machine, "scrap", [when(t) for t in last.tolist()])
    for i, event in zip(points, raw, strict=True):
        events.append(
            replace(
                event,
                message=f"{event.message} ({subgroup} {names[i]})",
                data={
                    **event.data,
                    "subgroup": subgroup,
                    "period": names[i],
                    "period_start": starts[i].isoformat(),
                    "period_end": ends[i].isoformat(),
                    "inspected": int(made[i]),
                    "scrap": int(scrap[i]),
                },
            )
        )
    if write_alerts and events:
        store.write_events(events)
    return AttributeResult(result, starts, ends, names, made, scrap, hits, events)
