"""Value types of the plant: ISA-95 assets, signals, states, products, orders, shifts. No I/O."""

from __future__ import annotations

from smartfactory.domain.assets import (
    Area,
    Costs,
    Demand,
    Enterprise,
    Line,
    Machine,
    MachineType,
    MaintenanceTeam,
    Plant,
    Site,
)
from smartfactory.domain.behaviour import (
    CmapssDegradation,
    GammaDegradation,
    MachineBehaviour,
    MicroStops,
    PreventiveMaintenance,
    RepairModel,
    ScrapModel,
    SensorModel,
)
from smartfactory.domain.calendar import Break, Shift, ShiftCalendar, ShiftWindow
from smartfactory.domain.production import Product, ProductionCount, ProductionOrder, RoutingStep
from smartfactory.domain.records import Event, StateInterval
from smartfactory.domain.signals import DataType, Signal, SignalKind
from smartfactory.domain.states import MachineState, TimeCategory, in_planned_busy_time
from smartfactory.domain.text import LocalizedText

__all__ = [
    "Area",
    "Break",
    "CmapssDegradation",
    "Costs",
    "DataType",
    "Demand",
    "Enterprise",
    "Event",
    "GammaDegradation",
    "Line",
    "LocalizedText",
    "Machine",
    "MachineBehaviour",
    "MachineState",
    "MachineType",
    "MaintenanceTeam",
    "MicroStops",
    "Plant",
    "PreventiveMaintenance",
    "Product",
    "ProductionCount",
    "ProductionOrder",
    "RepairModel",
    "RoutingStep",
    "ScrapModel",
    "SensorModel",
    "Shift",
    "ShiftCalendar",
    "ShiftWindow",
    "Signal",
    "SignalKind",
    "Site",
    "StateInterval",
    "TimeCategory",
    "in_planned_busy_time",
]
