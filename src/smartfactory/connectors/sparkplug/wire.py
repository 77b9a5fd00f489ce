"""The protocol buffers wire format, as much as Sparkplug B needs, without the protobuf runtime.

Sparkplug B payloads are protobuf messages of one fixed schema (``sparkplug_b.proto``). The
schema is small and stable, so this module reads and writes the wire format directly:
varints (wire type 0), 64-bit (1), length-delimited (2) and 32-bit (5) fields. The reader is
strict: a truncated field, a varint longer than 10 bytes, a length past the end or a
deprecated group wire type raises :class:`WireError`; a caller turns that into a quarantine
entry. Unknown fields are skipped, as protobuf does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Field", "WireError", "Writer", "float32", "float64", "read_fields", "to_signed"]

VARINT, I64, LEN, I32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field as read: its number, wire type and value (int, or bytes for LEN)."""

    number: int
    wire_type: int
    value: int | bytes


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    for i in range(10):
        if pos + i >= len(data):
            raise WireError("truncated varint")
        byte = data[pos + i]
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFF_FFFF_FFFF_FFFF, pos + i + 1
        shift += 7
    raise WireError("varint longer than 10 bytes")


def read_fields(data: bytes) -> Iterator[Field]:
    """The fields of one message, in order."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == VARINT:
            value, pos = _varint(data, pos)
            yield Field(number, wire_type, value)
        elif wire_type in (I64, I32):
            size = 8 if wire_type == I64 else 4
            if pos + size > len(data):
                raise WireError(f"truncated {size * 8}-bit field {number}")
            yield Field(number, wire_type, int.from_bytes(data[pos : pos + size], "little"))
            pos += size
        elif wire_type == LEN:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise WireError(f"field {number} runs past the end")
            yield Field(number, wire_type, data[pos : pos + length])
            pos += length
        else:
            raise WireError(f"unsupported wire type {wire_type} (field {number})")


def to_signed(value: int, bits: int) -> int:
    """Two's complement reading of the low ``bits`` bits of ``value``."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def float32(raw: int) -> float:
    """The float of a 32-bit field."""
    return float(struct.unpack("<f", raw.to_bytes(4, "little"))[0])


def float64(raw: int) -> float:
    """The double of a 64-bit field."""
    return float(struct.unpack("<d", raw.to_bytes(8, "little"))[0])


class Writer:
    """Builds one message field by field."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    @staticmethod
    def varint(value: int) -> bytes:
        """``value`` (negative: as 64-bit two's complement) as a varint."""
        value &= 0xFFFF_FFFF_FFFF_FFFF
        out = bytearray()
        while value >= 0x80:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)
        return bytes(out)

    def uint(self, number: int, value: int) -> None:
        """A varint field (uint32, uint64, bool)."""
        self.parts += [self.varint(number << 3 | VARINT), self.varint(value)]

    def bytes_(self, number: int, value: bytes) -> None:
        """A length-delimited field (string, bytes, sub-message)."""
        self.parts += [self.varint(number << 3 | LEN), self.varint(len(value)), value]

    def float_(self, number: int, value: float) -> None:
        """A 32-bit float field."""
        self.parts += [self.varint(number << 3 | I32), struct.pack("<f", value)]

    def double(self, number: int, value: float) -> None:
        """A 64-bit double field."""
        self.parts += [self.varint(number << 3 | I64), struct.pack("<d", value)]

    def getvalue(self) -> bytes:
        """The message's bytes."""
        return b"".join(self.parts)
