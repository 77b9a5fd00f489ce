"""The configuration of a Modbus TCP connector: the peer and its register map."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartfactory.connectors.modbus.codec import Order, RegisterType, register_count

__all__ = ["ModbusConfig", "ModbusTag", "Table"]

MAX_REGISTERS = 125  # per read request (Modbus application protocol, function codes 3 and 4)
MAX_BITS = 2000  # per read request (function codes 1 and 2)


class Table(StrEnum):
    """The four Modbus data tables."""

    HOLDING = "holding"  # read/write registers (fc 3, write fc 6/16)
    INPUT = "input"  # read-only registers (fc 4)
    COIL = "coil"  # read/write bits (fc 1, write fc 5)
    DISCRETE = "discrete"  # read-only bits (fc 2)

    @property
    def is_bits(self) -> bool:
        """Whether the table holds bits rather than 16-bit registers."""
        return self in {Table.COIL, Table.DISCRETE}


class ModbusTag(BaseModel):
    """One value in the register map: where it is, its type and how to scale it.

    The engineering value is ``raw * scale + offset`` for numeric types.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    table: Table = Table.HOLDING
    address: int = Field(ge=0, le=65535, description="Zero-based address in the table.")
    data_type: RegisterType = RegisterType.UINT16
    word_order: Order = Order.BIG
    byte_order: Order = Order.BIG
    length: int = Field(default=1, ge=1, le=MAX_REGISTERS, description="Registers of a string.")
    scale: float = 1.0
    offset: float = 0.0
    unit_id: int | None = Field(default=None, ge=0, le=255, description="Overrides the peer's.")

    @property
    def width(self) -> int:
        """Registers (or bits) the tag occupies."""
        return 1 if self.table.is_bits else register_count(self.data_type, self.length)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.table.is_bits and self.data_type is not RegisterType.BOOL:
            raise ValueError(f"tag {self.name!r}: {self.table} tables hold bool values only")
        if self.address + self.width > 65536:
            raise ValueError(f"tag {self.name!r}: runs past address 65535")
        if self.scale == 0:
            raise ValueError(f"tag {self.name!r}: scale must not be 0")
        return self


class ModbusConfig(BaseModel):
    """A Modbus TCP peer and its register map."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=502, ge=1, le=65535)
    unit_id: int = Field(default=1, ge=0, le=255)
    timeout_s: float = Field(default=3.0, gt=0)
    tags: list[ModbusTag] = Field(default_factory=list)
    max_registers: int = Field(default=MAX_REGISTERS, ge=1, le=MAX_REGISTERS)
    max_bits: int = Field(default=MAX_BITS, ge=1, le=MAX_BITS)
    max_gap: int = Field(
        default=0, ge=0, le=MAX_REGISTERS, description="Unused addresses a request may span."
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [t.name for t in self.tags]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"tag names must be unique: {doubled}")
        return self
