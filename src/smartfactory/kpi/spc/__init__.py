"""Statistical process control: control charts, run rules, capability and alerts."""

from __future__ import annotations

from smartfactory.kpi.spc.alerts import SPC_EVENT, alerts
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
from smartfactory.kpi.spc.rules import NELSON, WESTERN_ELECTRIC, evaluate

__all__ = [
    "NELSON",
    "SPC_EVENT",
    "WESTERN_ELECTRIC",
    "Capability",
    "Chart",
    "alerts",
    "c_chart",
    "capability",
    "evaluate",
    "imr",
    "np_chart",
    "p_chart",
    "u_chart",
    "xbar_r",
    "xbar_s",
]
