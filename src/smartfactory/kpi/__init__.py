"""Production KPIs (ISO 22400-2): OEE and its time model, roll-ups, losses, downtime reasons.

Service functions (what the API and dashboard call) read from a Store:
:func:`oee`, :func:`oee_rollups`, :func:`losses`, :func:`assign_reason`, :func:`load_cube`;
SPC lives in :mod:`smartfactory.kpi.spc`. :func:`oee_from_files` is the offline file interface.
"""

from __future__ import annotations

from smartfactory.kpi.classify import REASON_EVENT
from smartfactory.kpi.losses import LossItem, LossReport, StopStats
from smartfactory.kpi.offline import MachineKpis, OeeReport, oee_from_files
from smartfactory.kpi.reasons import (
    AutoRule,
    LossCategory,
    ReasonNode,
    ReasonTree,
    default_rules,
    default_tree,
)
from smartfactory.kpi.rollup import DIMENSIONS, KpiRow, KpiTable, rollup
from smartfactory.kpi.service import assign_reason, load_cube, losses, oee, oee_rollups

__all__ = [
    "DIMENSIONS",
    "REASON_EVENT",
    "AutoRule",
    "KpiRow",
    "KpiTable",
    "LossCategory",
    "LossItem",
    "LossReport",
    "MachineKpis",
    "OeeReport",
    "ReasonNode",
    "ReasonTree",
    "StopStats",
    "assign_reason",
    "default_rules",
    "default_tree",
    "load_cube",
    "losses",
    "oee",
    "oee_from_files",
    "oee_rollups",
    "rollup",
]
