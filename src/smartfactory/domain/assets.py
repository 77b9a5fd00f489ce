"""The ISA-95 equipment hierarchy: enterprise > site > area > line > machine, and the plant.

A :class:`Plant` is what one plant file describes: one site of an enterprise with its areas,
lines and machines, its products and demand, its shift calendar, its costs and maintenance crews.
Validation checks every cross-reference (routings name existing machines, sensors name
existing signals, identifiers are unique).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartfactory.domain.behaviour import MachineBehaviour
from smartfactory.domain.calendar import ShiftCalendar
from smartfactory.domain.production import Product, ProductionOrder
from smartfactory.domain.signals import IDENTIFIER, Signal
from smartfactory.domain.text import LocalizedText

__all__ = [
    "Area",
    "Costs",
    "Demand",
    "Enterprise",
    "Line",
    "Machine",
    "MachineType",
    "MaintenanceTeam",
    "Plant",
    "Site",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MachineType(StrEnum):
    """Kinds of machine a small parts supplier runs."""

    CNC_LATHE = "cnc_lathe"
    MACHINING_CENTER = "machining_center"
    PRESS = "press"
    INJECTION_MOLDING = "injection_molding"
    WELDING = "welding"
    ASSEMBLY = "assembly"
    INSPECTION = "inspection"
    PACKAGING = "packaging"
    OTHER = "other"


class Machine(_Frozen):
    """A machine (ISA-95 work unit) with its signals and simulated behaviour."""

    id: str = Field(pattern=IDENTIFIER, description="Identifier unique in the plant.")
    name: LocalizedText
    type: MachineType = MachineType.OTHER
    signals: tuple[Signal, ...] = ()
    behaviour: MachineBehaviour = MachineBehaviour()

    @model_validator(mode="after")
    def _check_signals(self) -> Machine:
        names = [s.name for s in self.signals]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate signal name(s) {dup}")
        missing = [s.signal for s in self.behaviour.sensors if s.signal not in names]
        if missing:
            raise ValueError(f"behaviour.sensors name signal(s) {missing} not in signals {names}")
        return self


class Line(_Frozen):
    """A production line (ISA-95 work centre) of machines."""

    id: str = Field(pattern=IDENTIFIER)
    name: LocalizedText
    machines: tuple[Machine, ...] = Field(min_length=1)


class Area(_Frozen):
    """An area of a site, holding lines."""

    id: str = Field(pattern=IDENTIFIER)
    name: LocalizedText
    lines: tuple[Line, ...] = Field(min_length=1)


class Site(_Frozen):
    """A site (one plant location) with its calendar and areas."""

    id: str = Field(pattern=IDENTIFIER)
    name: LocalizedText
    calendar: ShiftCalendar
    areas: tuple[Area, ...] = Field(min_length=1)


class Enterprise(_Frozen):
    """The company that owns the site."""

    id: str = Field(pattern=IDENTIFIER)
    name: LocalizedText


class Costs(_Frozen):
    """Money figures used to cost downtime, scrap and maintenance."""

    currency: str = Field(default="KRW", min_length=3, max_length=3)
    preventive_maintenance: float = Field(default=0.0, ge=0, description="Per preventive job.")
    corrective_maintenance: float = Field(default=0.0, ge=0, description="Per repair (parts).")
    maintenance_labour_per_h: float = Field(default=0.0, ge=0, description="Per crew-hour.")
    downtime_per_h: float = Field(default=0.0, ge=0, description="Lost margin per unplanned h.")
    scrap_per_unit: float = Field(default=0.0, ge=0)


class MaintenanceTeam(_Frozen):
    """The maintenance crews: a limited resource shared by repairs and preventive work."""

    crews: int = Field(default=1, ge=1, le=100)


class Demand(_Frozen):
    """Recurring customer demand that the simulator turns into production orders."""

    product: str
    every_h: float = Field(gt=0, description="Hours between orders.")
    quantity_min: int = Field(gt=0)
    quantity_max: int = Field(gt=0)
    lead_time_h: float = Field(default=48.0, gt=0, description="Due date after release.")

    @model_validator(mode="after")
    def _check_range(self) -> Demand:
        if self.quantity_max < self.quantity_min:
            raise ValueError("quantity_max must be >= quantity_min")
        return self


class Plant(_Frozen):
    """One site of an enterprise as a plant file describes it."""

    enterprise: Enterprise
    site: Site
    products: tuple[Product, ...] = Field(min_length=1)
    demand: tuple[Demand, ...] = ()
    orders: tuple[ProductionOrder, ...] = ()
    costs: Costs = Costs()
    maintenance: MaintenanceTeam = MaintenanceTeam()

    @model_validator(mode="after")
    def _check_references(self) -> Plant:
        ids = [m.id for m in self.machines()]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate machine id(s) {dup}")
        known = set(ids)
        products = {p.id for p in self.products}
        for product in self.products:
            for step in product.routing:
                unknown = [m for m in step.machines if m not in known]
                if unknown:
                    raise ValueError(
                        f"product {product.id!r} step {step.operation!r} names unknown "
                        f"machine(s) {unknown}"
                    )
        for ref in [d.product for d in self.demand] + [o.product for o in self.orders]:
            if ref not in products:
                raise ValueError(f"unknown product {ref!r}; known: {sorted(products)}")
        return self

    def lines(self) -> Iterator[tuple[Area, Line]]:
        """Every line with its area, in file order."""
        for area in self.site.areas:
            for line in area.lines:
                yield area, line

    def machines(self) -> Iterator[Machine]:
        """Every machine, in file order."""
        for _, line in self.lines():
            yield from line.machines

    def machine(self, machine_id: str) -> Machine:
        """The machine with this id; KeyError if none."""
        for m in self.machines():
            if m.id == machine_id:
                return m
        raise KeyError(machine_id)

    def line_of(self, machine_id: str) -> Line:
        """The line that holds this machine; KeyError if none."""
        for _, line in self.lines():
            if any(m.id == machine_id for m in line.machines):
                return line
        raise KeyError(machine_id)

    def product(self, product_id: str) -> Product:
        """The product with this id; KeyError if none."""
        for p in self.products:
            if p.id == product_id:
                return p
        raise KeyError(product_id)
