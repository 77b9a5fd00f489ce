"""Signals: the named measurements a machine exposes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DataType", "Signal", "SignalKind"]

IDENTIFIER = r"^[a-z0-9][a-z0-9_\-]*$"


class SignalKind(StrEnum):
    """How a signal's values behave over time."""

    ANALOG = "analog"  # a continuous measurement (temperature, vibration)
    COUNTER = "counter"  # monotonically increasing count (parts made)
    STATE = "state"  # a machine-state code (see MachineState)
    EVENT = "event"  # something that happened at an instant (alarm)


class DataType(StrEnum):
    """The value type of a signal as the device delivers it."""

    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    STRING = "string"


class Signal(BaseModel):
    """One measurement of a machine: name, unit, kind and data type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=IDENTIFIER, description="Identifier unique within the machine.")
    unit: str = Field(default="", description="Engineering unit, e.g. 'mm/s', 'degC', 'A'.")
    kind: SignalKind = SignalKind.ANALOG
    data_type: DataType = DataType.FLOAT
    description: str = ""
