"""Time-stamped records of what happened: state intervals and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from smartfactory.domain.states import MachineState

__all__ = ["Event", "StateInterval"]


@dataclass(frozen=True, slots=True)
class StateInterval:
    """A machine was in ``state`` during [start, end); ``reason`` for stops."""

    machine: str
    start: datetime
    end: datetime
    state: MachineState
    reason: str = ""
    order: str = ""
    product: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened at an instant: a failure, a repair, an alert, an order event."""

    timestamp: datetime
    kind: str
    source: str
    message: str = ""
    data: dict[str, object] = field(default_factory=dict)
