"""SPC alerts: an event when a run rule fires, linked to the machine and its signal.

One event per point that breaks at least one rule (events are unique on timestamp, kind and
source), listing every rule that fired there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from smartfactory.domain.records import Event
from smartfactory.kpi.spc.charts import Chart

__all__ = ["SPC_EVENT", "alerts"]

SPC_EVENT = "spc_alert"


def alerts(
    chart: Chart,
    hits: dict[str, np.ndarray],
    machine: str,
    signal: str,
    timestamps: Sequence[datetime],
) -> list[Event]:
    """Events for the points in ``hits`` (rule -> indices); ``timestamps`` one per point."""
    by_point: dict[int, list[str]] = {}
    for rule, index in hits.items():
        for i in index.tolist():
            by_point.setdefault(int(i), []).append(rule)
    events = []
    for i in sorted(by_point):
        rules = sorted(by_point[i])
        events.append(
            Event(
                timestamp=timestamps[i],
                kind=SPC_EVENT,
                source=machine,
                message=f"{machine} {signal}: {chart.kind} chart rule(s) {', '.join(rules)}",
                data={
                    "machine": machine,
                    "signal": signal,
                    "chart": chart.kind,
                    "rules": rules,
                    "value": float(chart.values[i]),
                    "center": float(chart.center[i]),
                    "lcl": float(chart.lcl[i]),
                    "ucl": float(chart.ucl[i]),
                },
            )
        )
    return events
