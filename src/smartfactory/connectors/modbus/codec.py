"""Register codec: Modbus registers to values and back, for every type, word and byte order.

Pure functions on lists of 16-bit register values, independent of pymodbus (whose converters
changed between minor releases), pinned by golden tests. Registers are first laid out as the
device's bytes in big-endian "canonical" order: ``word_order`` says whether the first register
holds the most significant word (``big``, Modicon default) or the least (``little``);
``byte_order`` says whether each register's high byte comes first (``big``) or not
(``little``). So the four classic layouts of a 32-bit value 0xAABBCCDD are:

=========== =========== ==================
word_order  byte_order  registers
=========== =========== ==================
big         big         0xAABB 0xCCDD  (ABCD)
little      big         0xCCDD 0xAABB  (CDAB)
big         little      0xBBAA 0xDDCC  (BADC)
little      little      0xDDCC 0xBBAA  (DCBA)
=========== =========== ==================

Strings are packed two characters per register (first character in the high byte with
``byte_order=big``), padded with NUL, and decoded as ASCII/UTF-8 with trailing NULs removed.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

__all__ = [
    "DecodeError",
    "Order",
    "RegisterType",
    "decode_registers",
    "encode_value",
    "register_count",
]


class RegisterType(StrEnum):
    """The value types a register map can declare."""

    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOL = "bool"
    STRING = "string"


class Order(StrEnum):
    """Most significant part first (``big``) or last (``little``)."""

    BIG = "big"
    LITTLE = "little"


class DecodeError(ValueError):
    """Registers cannot be decoded as the declared type (wrong count, invalid text)."""


_STRUCT = {
    RegisterType.INT16: ">h",
    RegisterType.UINT16: ">H",
    RegisterType.INT32: ">i",
    RegisterType.UINT32: ">I",
    RegisterType.FLOAT32: ">f",
    RegisterType.FLOAT64: ">d",
}
_WIDTH = {
    RegisterType.INT16: 1,
    RegisterType.UINT16: 1,
    RegisterType.INT32: 2,
    RegisterType.UINT32: 2,
    RegisterType.FLOAT32: 2,
    RegisterType.FLOAT64: 4,
    RegisterType.BOOL: 1,
}


def register_count(data_type: RegisterType, length: int = 1) -> int:
    """Registers one value occupies; ``length`` is the register count of a string."""
    return length if data_type is RegisterType.STRING else _WIDTH[data_type]


def _to_bytes(registers: Sequence[int], word_order: Order, byte_order: Order) -> bytes:
    words = list(registers) if word_order is Order.BIG else list(reversed(registers))
    if any(not 0 <= w <= 0xFFFF for w in words):
        raise DecodeError(f"register values must be 0..65535, got {list(registers)}")
    endian: Literal["big", "little"] = "big" if byte_order is Order.BIG else "little"
    return b"".join(w.to_bytes(2, endian) for w in words)


def _from_bytes(raw: bytes, word_order: Order, byte_order: Order) -> list[int]:
    endian: Literal["big", "little"] = "big" if byte_order is Order.BIG else "little"
    words = [int.from_bytes(raw[i : i + 2], endian) for i in range(0, len(raw), 2)]
    return words if word_order is Order.BIG else list(reversed(words))


def decode_registers(
    registers: Sequence[int],
    data_type: RegisterType,
    word_order: Order = Order.BIG,
    byte_order: Order = Order.BIG,
) -> int | float | bool | str:
    """The value the registers hold as ``data_type``; DecodeError when they cannot."""
    if data_type is RegisterType.STRING:
        raw = _to_bytes(registers, Order.BIG, byte_order)  # text runs register by register
        try:
            return raw.rstrip(b"\x00").decode("utf-8")
        except UnicodeDecodeError as err:
            raise DecodeError(f"registers are not UTF-8 text: {raw!r}") from err
    width = _WIDTH[data_type]
    if len(registers) != width:
        raise DecodeError(f"{data_type} needs {width} register(s), got {len(registers)}")
    if data_type is RegisterType.BOOL:
        return registers[0] != 0
    value: int | float = struct.unpack(
        _STRUCT[data_type], _to_bytes(registers, word_order, byte_order)
    )[0]
    return value


def encode_value(
    value: int | float | bool | str,
    data_type: RegisterType,
    word_order: Order = Order.BIG,
    byte_order: Order = Order.BIG,
    length: int = 1,
) -> list[int]:
    """The registers that hold ``value`` as ``data_type`` (inverse of decode_registers)."""
    if data_type is RegisterType.STRING:
        raw = str(value).encode("utf-8")
        if len(raw) > 2 * length:
            raise ValueError(f"{value!r} does not fit in {length} register(s)")
        return _from_bytes(raw.ljust(2 * length, b"\x00"), Order.BIG, byte_order)
    if data_type is RegisterType.BOOL:
        return [1 if value else 0]
    fmt = _STRUCT[data_type]
    number = (
        float(value) if data_type in {RegisterType.FLOAT32, RegisterType.FLOAT64} else int(value)
    )
    try:
        raw = struct.pack(fmt, number)
    except struct.error as err:
        raise ValueError(f"{value!r} does not fit in {data_type}") from err
    return _from_bytes(raw, word_order, byte_order)
