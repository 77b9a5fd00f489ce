"""SPC over stored samples: chart a machine's signal, apply the run rules, raise alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from smartfactory.domain.records import Event
from smartfactory.domain.states import MachineState
from smartfactory.errors import NotFoundError
from smartfactory.kpi.spc.alerts import alerts
from smartfactory.kpi.spc.capability import Capability, capability
from smartfactory.kpi.spc.charts import Chart, imr, xbar_r, xbar_s
from smartfactory.kpi.spc.rules import NELSON, WESTERN_ELECTRIC, evaluate
from smartfactory.store.base import Store

__all__ = ["SpcResult", "spc_signal"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
