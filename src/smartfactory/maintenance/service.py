"""Service functions over live health: one machine's figures, and every machine's.

Both accept the running :class:`~.live.LiveMaintenance` (latest readings in memory, with the
top contributing signals) or just a :class:`~smartfactory.store.base.Store` (latest ``derived``
samples written by a live service, possibly in another process; no contributions then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from smartfactory.errors import NotFoundError
from smartfactory.maintenance.frames import DERIVED_KIND
from smartfactory.maintenance.health import Contribution
from smartfactory.maintenance.live import DERIVED_SIGNALS, LiveMaintenance, LiveReading
from smartfactory.maintenance.versions import ModelRegistry
from smartfactory.store.base import Store

__all__ = ["MachineHealth", "RULRange", "machine_health", "plant_health"]


@dataclass(frozen=True, slots=True)
class RULRange:
    """Remaining useful life in hours: median and the 10 % / 90 % bounds."""

    median_h: float
    p10_h: float
    p90_h: float


@dataclass(frozen=True, slots=True)
class MachineHealth:
    """Health of one machine now."""

    machine: str
    health: float
    anomaly_score: float
    alert: bool
    contributions: tuple[Contribution, ...]
    rul: RULRange | None
    model_version: str
    updated: datetime


def _from_reading(r: LiveReading) -> MachineHealth:
    rul = (
        RULRange(r.rul_h, r.rul_h_p10 or r.rul_h, r.rul_h_p90 or r.rul_h)
        if r.rul_h is not None
        else None
    )
    return MachineHealth(
        r.machine,
        r.health,
        r.anomaly_score,
        r.alert,
        r.contributions,
        rul,
        r.model_version,
        r.updated,
    )


def _from_store(
    store: Store, registry: ModelRegistry | None, machine: str | None
) -> list[MachineHealth]:
    rows = [
        r
        for r in store.signals().to_pylist()
        if r["kind"] == DERIVED_KIND
        and r["name"] in DERIVED_SIGNALS
        and (machine is None or r["machine"] == machine)
    ]
    if not rows:
        return []
    latest = store.latest_samples([int(r["signal_id"]) for r in rows]).to_pylist()
    by_id = {int(r["signal_id"]): r for r in rows}
    values: dict[str, dict[str, tuple[float, datetime]]] = {}
    for s in latest:
        sig = by_id[int(s["signal_id"])]
        values.setdefault(str(sig["machine"]), {})[str(sig["name"])] = (
            float(s["value"]),
            s["ts"].astimezone(UTC),
        )
    out = []
    for m, v in sorted(values.items()):
        if "health" not in v:
            continue
        rul = None
        if "rul_h" in v:
            med = v["rul_h"][0]
            rul = RULRange(med, v.get("rul_h_p10", (med,))[0], v.get("rul_h_p90", (med,))[0])
        version = "online"
        if registry is not None:
            mv = registry.promoted("health", m)
            version = f"health/{m}/v{mv.version}" if mv is not None else version
        out.append(
            MachineHealth(
                machine=m,
                health=v["health"][0],
                anomaly_score=v.get("anomaly_score", (0.0,))[0],
                alert=False,
                contributions=(),
                rul=rul,
                model_version=version,
                updated=v["health"][1],
            )
        )
    return out


def plant_health(
    source: LiveMaintenance | Store, registry: ModelRegistry | None = None
) -> list[MachineHealth]:
    """Every machine with a health reading, by machine id."""
    if isinstance(source, LiveMaintenance):
        return [_from_reading(r) for r in source.readings()]
    return _from_store(source, registry, None)


def machine_health(
    source: LiveMaintenance | Store, machine: str, registry: ModelRegistry | None = None
) -> MachineHealth:
    """The health of ``machine``; NotFoundError when it has no reading yet."""
    if isinstance(source, LiveMaintenance):
        r = source.reading(machine)
        if r is None:
            raise NotFoundError(f"no health reading for machine {machine!r} yet")
        return _from_reading(r)
    found = _from_store(source, registry, machine)
    if not found:
        raise NotFoundError(f"no health reading for machine {machine!r} yet")
    return found[0]
