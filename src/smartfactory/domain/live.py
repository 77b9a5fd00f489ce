"""The live picture of a plant at one instant, as a simulator or live ingest maintains it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from smartfactory.domain.states import MachineState

__all__ = ["LiveSource", "MachineSnapshot", "PlantSnapshot"]


@dataclass(frozen=True, slots=True)
class MachineSnapshot:
    """One machine now: its state since when, current order, and its current shift's figures.

    ``availability``, ``performance``, ``quality`` and ``oee`` are ISO 22400 ratios over the
    current shift so far (``None`` before any planned busy time or any unit).
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


@dataclass(frozen=True, slots=True)
class PlantSnapshot:
    """Every machine of the plant at ``timestamp`` (simulated or wall-clock time, UTC)."""

    timestamp: datetime
    shift: str | None
    machines: tuple[MachineSnapshot, ...]


class LiveSource(Protocol):
    """Anything that can tell the plant's current picture (the simulator, live ingest)."""

    def snapshot(self) -> PlantSnapshot:
        """The plant now; must be safe to call from another thread."""
        ...
