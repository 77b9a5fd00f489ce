"""The live picture of a plant at one instant, as a simulator or live ingest maintains it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from smartfactory.domain.states import MachineState

__all__ = ["LiveSource", "MachineSnapshot", "PlantSnapshot", "Ratios", "iso22400_ratios"]


@dataclass(frozen=True, slots=True)
class Ratios:
    """ISO 22400-2 ratios; ``None`` where the denominator is 0 (and then OEE is ``None``)."""

    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None


def iso22400_ratios(apt_s: float, pbt_s: float, ideal_s: float, good: int, scrap: int) -> Ratios:
    """Availability = APT/PBT, performance = ideal time of units made/APT, quality = good/all."""
    availability = apt_s / pbt_s if pbt_s > 0 else None
    performance = ideal_s / apt_s if apt_s > 0 else None
    total = good + scrap
    quality = good / total if total > 0 else None
    oee = (
        availability * performance * quality
        if availability is not None and performance is not None and quality is not None
        else None
    )
    return Ratios(availability, performance, quality, oee)


@dataclass(frozen=True, slots=True)
class MachineSnapshot:
    """One machine now: its state since when, current order, and its current shift's figures.

    ``availability``, ``performance``, ``quality`` and ``oee`` are ISO 22400 ratios over the
    current shift so far (``None`` before any planned busy time or any unit); ``pbt_s``,
    ``apt_s`` and ``ideal_s`` are the sums behind them (planned busy time, actual production
    time, ideal cycle time of the units made), so figures of several machines can be combined.
    """

    machine: str
    line: str
    state: MachineState
    since: datetime
    reason: str
    order: str
    product: str
    good: int
    scrap: int
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    degradation: float | None = None
    pbt_s: float = 0.0
    apt_s: float = 0.0
    ideal_s: float = 0.0


@dataclass(frozen=True, slots=True)
class PlantSnapshot:
    """Every machine of the plant at ``timestamp`` (simulated or wall-clock time, UTC)."""

    timestamp: datetime
    shift: str | None
    machines: tuple[MachineSnapshot, ...]

    def ratios(self, line: str | None = None) -> Ratios:
        """The shift's ISO 22400 ratios of the whole plant (or one line) from summed times."""
        ms = [m for m in self.machines if line is None or m.line == line]
        return iso22400_ratios(
            sum(m.apt_s for m in ms),
            sum(m.pbt_s for m in ms),
            sum(m.ideal_s for m in ms),
            sum(m.good for m in ms),
            sum(m.scrap for m in ms),
        )


class LiveSource(Protocol):
    """Anything that can tell the plant's current picture (the simulator, live ingest)."""

    def snapshot(self) -> PlantSnapshot:
        """The plant now; must be safe to call from another thread."""
        ...
