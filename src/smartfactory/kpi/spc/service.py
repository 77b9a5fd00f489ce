"""SPC over stored samples: chart a machine's signal, apply the run rules, raise alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pyarrow as pa

from smartfactory.domain.records import Event
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
) -> SpcResult:
    """Chart ``signal`` of ``machine`` over [start, end); store an alert event per rule hit.

    Subgroups (X-bar charts) are consecutive runs of ``subgroup`` samples, stamped with their
    last sample. NotFoundError when the signal is unknown or has fewer than 2 points.
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
