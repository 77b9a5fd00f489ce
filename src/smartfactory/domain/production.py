"""Products, routings, production orders and production counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.domain.signals import IDENTIFIER
from smartfactory.domain.text import LocalizedText

__all__ = ["Product", "ProductionCount", "ProductionOrder", "RoutingStep"]


class RoutingStep(BaseModel):
    """One operation of a product's routing: which machines may do it and how fast."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str = Field(pattern=IDENTIFIER, description="Operation name, e.g. 'turning'.")
    machines: tuple[str, ...] = Field(min_length=1, description="Machines able to run it.")
    ideal_cycle_s: float = Field(gt=0, description="Ideal cycle time per unit (ISO 22400).")
    setup_min: float = Field(default=0.0, ge=0, description="Setup time when changing over to it.")


class Product(BaseModel):
    """A product with its routing (ordered operations)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENTIFIER)
    name: LocalizedText
    routing: tuple[RoutingStep, ...] = Field(min_length=1)
    unit_price: float = Field(default=0.0, ge=0, description="Value of one good unit.")


class ProductionOrder(BaseModel):
    """An order to make ``quantity`` units of a product between release and due."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    product: str
    quantity: int = Field(gt=0)
    release: datetime
    due: datetime
    priority: int = Field(default=0, description="Higher is more urgent.")


@dataclass(frozen=True, slots=True)
class ProductionCount:
    """Units made by a machine at an instant: good and scrap."""

    machine: str
    timestamp: datetime
    good: int
    scrap: int
