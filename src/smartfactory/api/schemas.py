"""Pydantic response schemas of the JSON API (``...Public``: what a client reads).

Each schema has a ``from_...`` constructor that copies a domain value; no figures are computed
here except the plant summary, which is plain counting and an unweighted mean (see
:class:`LiveSummaryPublic`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.domain.assets import Area, Line, Machine, Plant
from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.states import MachineState
from smartfactory.domain.text import LocalizedText

__all__ = [
    "AreaPublic",
    "EntityPublic",
    "ErrorPublic",
    "HealthPublic",
    "LinePublic",
    "LivePublic",
    "LiveSummaryPublic",
    "MachineLivePublic",
    "MachinePublic",
    "NamePublic",
    "PlantPublic",
    "ProductPublic",
    "ShiftPublic",
]


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorPublic(_Public):
    """The body of every error the API returns on purpose."""

    detail: str = Field(description="What went wrong, for people.")
    type: str = Field(description="Stable error kind, e.g. 'not_found'.")


class HealthPublic(_Public):
    """The server is up."""

    status: Literal["ok"] = "ok"


class NamePublic(_Public):
    """A display name in English and Korean (Korean is English when not translated)."""

    en: str
    ko: str

    @classmethod
    def from_text(cls, text: LocalizedText) -> NamePublic:
        """Copy a LocalizedText, filling Korean from English."""
        return cls(en=text.en, ko=text.get("ko"))


class MachinePublic(_Public):
    """A machine of the plant."""

    id: str
    name: NamePublic
    type: str = Field(description="Machine type, e.g. 'cnc_lathe'.")
    line: str = Field(description="Id of the line that holds the machine.")

    @classmethod
    def from_machine(cls, machine: Machine, line: Line) -> MachinePublic:
        """Describe ``machine`` of ``line``."""
        return cls(
            id=machine.id,
            name=NamePublic.from_text(machine.name),
            type=machine.type.value,
            line=line.id,
        )


class LinePublic(_Public):
    """A production line with its machines in order."""

    id: str
    name: NamePublic
    machines: tuple[MachinePublic, ...]

    @classmethod
    def from_line(cls, line: Line) -> LinePublic:
        """Describe ``line``."""
        return cls(
            id=line.id,
            name=NamePublic.from_text(line.name),
            machines=tuple(MachinePublic.from_machine(m, line) for m in line.machines),
        )


class AreaPublic(_Public):
    """An area of the site with its lines."""

    id: str
    name: NamePublic
    lines: tuple[LinePublic, ...]

    @classmethod
    def from_area(cls, area: Area) -> AreaPublic:
        """Describe ``area``."""
        return cls(
            id=area.id,
            name=NamePublic.from_text(area.name),
            lines=tuple(LinePublic.from_line(line) for line in area.lines),
        )


class ShiftPublic(_Public):
    """A shift of the site calendar."""

    name: str
    label: NamePublic


class ProductPublic(_Public):
    """A product the plant makes."""

    id: str
    name: NamePublic


class EntityPublic(_Public):
    """An enterprise or site: id and name."""

    id: str
    name: NamePublic


class PlantPublic(_Public):
    """The plant hierarchy: enterprise > site > areas > lines > machines."""

    enterprise: EntityPublic
    site: EntityPublic
    timezone: str = Field(description="IANA time zone of the site.")
    shifts: tuple[ShiftPublic, ...]
    products: tuple[ProductPublic, ...]
    areas: tuple[AreaPublic, ...]

    @classmethod
    def from_plant(cls, plant: Plant) -> PlantPublic:
        """Describe ``plant``."""
        site = plant.site
        return cls(
            enterprise=EntityPublic(
                id=plant.enterprise.id, name=NamePublic.from_text(plant.enterprise.name)
            ),
            site=EntityPublic(id=site.id, name=NamePublic.from_text(site.name)),
            timezone=site.calendar.timezone,
            shifts=tuple(
                ShiftPublic(
                    name=s.name,
                    label=NamePublic.from_text(s.label or LocalizedText(en=s.name)),
                )
                for s in site.calendar.shifts
            ),
            products=tuple(
                ProductPublic(id=p.id, name=NamePublic.from_text(p.name)) for p in plant.products
            ),
            areas=tuple(AreaPublic.from_area(a) for a in site.areas),
        )


class MachineLivePublic(_Public):
    """One machine now, with its figures over the current shift so far."""

    machine: str
    line: str
    state: str = Field(description="State label, e.g. 'unplanned_stop'.")
    state_code: int = Field(description="Numeric state code (MachineState).")
    since: datetime
    duration_s: float = Field(description="Seconds in this state at the snapshot time.")
    reason: str
    order: str
    product: str
    good: int
    scrap: int
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    degradation: float | None
    pbt_s: float = Field(description="Planned busy time of the shift so far (ISO 22400 PBT).")
    apt_s: float = Field(description="Actual production time of the shift so far (APT).")
    ideal_s: float = Field(description="Ideal cycle time of the units made this shift.")

    @classmethod
    def from_snapshot(cls, snap: MachineSnapshot, now: datetime) -> MachineLivePublic:
        """Copy ``snap``; ``now`` is the plant snapshot time."""
        return cls(
            machine=snap.machine,
            line=snap.line,
            state=snap.state.label,
            state_code=int(snap.state),
            since=snap.since,
            duration_s=max(0.0, (now - snap.since).total_seconds()),
            reason=snap.reason,
            order=snap.order,
            product=snap.product,
            good=snap.good,
            scrap=snap.scrap,
            availability=snap.availability,
            performance=snap.performance,
            quality=snap.quality,
            oee=snap.oee,
            degradation=snap.degradation,
            pbt_s=snap.pbt_s,
            apt_s=snap.apt_s,
            ideal_s=snap.ideal_s,
        )


_STOPPED = (MachineState.UNPLANNED_STOP, MachineState.PLANNED_STOP)


class LiveSummaryPublic(_Public):
    """Plant-wide figures of a snapshot.

    ``stopped`` counts planned and unplanned stops; ``down`` only unplanned ones. The ratios
    are ISO 22400 ratios of the summed times and units of all machines (not a mean of ratios).
    """

    machines: int
    producing: int
    stopped: int
    down: int
    states: dict[str, int] = Field(description="Machines per state label (every state listed).")
    good: int
    scrap: int
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None

    @classmethod
    def from_snapshot(cls, snapshot: PlantSnapshot) -> LiveSummaryPublic:
        """Count and average over ``snapshot.machines``."""
        ms = snapshot.machines
        ratios = snapshot.ratios()
        states = {s.label: 0 for s in MachineState}
        for m in ms:
            states[m.state.label] += 1
        return cls(
            machines=len(ms),
            producing=states[MachineState.PRODUCING.label],
            stopped=sum(states[s.label] for s in _STOPPED),
            down=states[MachineState.UNPLANNED_STOP.label],
            states=states,
            good=sum(m.good for m in ms),
            scrap=sum(m.scrap for m in ms),
            availability=ratios.availability,
            performance=ratios.performance,
            quality=ratios.quality,
            oee=ratios.oee,
        )


class LivePublic(_Public):
    """The plant at one instant: every machine and a plant summary."""

    timestamp: datetime
    shift: str | None = Field(description="Name of the current shift; null outside shifts.")
    summary: LiveSummaryPublic
    machines: tuple[MachineLivePublic, ...]

    @classmethod
    def from_snapshot(cls, snapshot: PlantSnapshot) -> LivePublic:
        """Copy ``snapshot`` and add its summary."""
        return cls(
            timestamp=snapshot.timestamp,
            shift=snapshot.shift,
            summary=LiveSummaryPublic.from_snapshot(snapshot),
            machines=tuple(
                MachineLivePublic.from_snapshot(m, snapshot.timestamp) for m in snapshot.machines
            ),
        )
