"""Plants, order books and health sources for the decision engine tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from smartfactory.decisions.scheduling import orders_from_demand
from smartfactory.domain import Plant
from smartfactory.domain.production import ProductionOrder
from smartfactory.maintenance.live import LiveReading
from smartfactory.store.base import ORDER_SCHEMA, Store
from tests.sim.conftest import calendar, two_line_plant

# Monday 2 March 2026, 08:00 UTC
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def around_the_clock_plant() -> Plant:
    """The simulator tests' four-machine line, working round the clock (every window is
    production time, so a maintenance job there has to be planned around)."""
    base = two_line_plant()
    site = base.site.model_copy(update={"calendar": calendar(around_the_clock=True)})
    return base.model_copy(update={"site": site})


def write_orders(store: Store, orders: Sequence[ProductionOrder]) -> None:
    """Store ``orders`` as released production orders."""
    n = len(orders)
    table = pa.Table.from_arrays(
        [
            pa.array([o.id for o in orders]),
            pa.array([o.product for o in orders]),
            pa.array([o.quantity for o in orders], type=pa.int32()),
            pa.array([o.release for o in orders], type=ORDER_SCHEMA.field("release").type),
            pa.array([o.due for o in orders], type=ORDER_SCHEMA.field("due").type),
            pa.array(["released"] * n),
            pa.array([0] * n, type=pa.int32()),
            pa.array([0] * n, type=pa.int32()),
            pa.array([None] * n, type=ORDER_SCHEMA.field("finished").type),
        ],
        schema=ORDER_SCHEMA,
    )
    store.write_orders(table)


def order_book(plant: Plant, now: datetime = NOW, days: int = 2) -> list[ProductionOrder]:
    """Orders as the plant's demand releases them over ``days``, starting ``now``."""
    return orders_from_demand(plant, now, days, np.random.default_rng(7))


@dataclass
class FixedReadings:
    """Health readings held in memory, with the same ``readings()`` as LiveMaintenance.

    ``rul`` maps a machine to its (median, p10, p90) hours; every other machine of ``plant``
    reads healthy with the trend model's cap. ``at`` stamps the readings.
    """

    machines: Iterable[str]
    rul: dict[str, tuple[float, float, float] | None]
    at: datetime = NOW
    cap_h: float = 720.0
    health: dict[str, float] = field(default_factory=dict)

    def readings(self) -> list[LiveReading]:
        out = []
        for m in sorted(self.machines):
            figures = self.rul.get(m, (self.cap_h, self.cap_h, self.cap_h))
            median, p10, p90 = figures if figures is not None else (None, None, None)
            out.append(
                LiveReading(
                    machine=m,
                    updated=self.at,
                    health=self.health.get(m, 90.0 if m not in self.rul else 40.0),
                    anomaly_score=0.1,
                    alert=False,
                    contributions=(),
                    rul_h=median,
                    rul_h_p10=p10,
                    rul_h_p90=p90,
                    model_version="online",
                )
            )
        return out


def hours(h: float) -> timedelta:
    return timedelta(hours=h)
