"""Sparkplug B payloads: :class:`Payload` and :class:`Metric`, encoded and decoded.

Follows ``sparkplug_b.proto`` (Eclipse Sparkplug 3.0): a payload has a timestamp (ms since
the epoch), metrics, a sequence number (0-255) and optionally a uuid and a body. A metric has
a name (in births) or an alias (in data messages, after the birth mapped it), a timestamp, a
datatype, ``is_null`` and one value field chosen by its datatype: Int8..Int32 and UInt8..UInt32
in ``int_value`` (signed ones as two's complement), Int64/UInt64/DateTime in ``long_value``,
Float, Double, Boolean, String/Text/UUID and Bytes/File in their own fields. DataSet and
Template values are skipped and kept as ``None`` with datatype so a caller can reject them.

:func:`decode_payload` is strict (see :mod:`.wire`) and raises PayloadRejectedError with
reason MALFORMED, WRONG_TYPE (a value field that does not match the datatype) or OVERSIZED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from smartfactory.connectors.mqtt.uns import PayloadRejectedError
from smartfactory.connectors.quarantine import Reason
from smartfactory.connectors.sparkplug.wire import (
    LEN,
    WireError,
    Writer,
    float32,
    float64,
    read_fields,
    to_signed,
)

__all__ = ["DataType", "Metric", "MetricValue", "Payload", "decode_payload", "encode_payload"]

MetricValue = int | float | bool | str | bytes | None


class DataType(IntEnum):
    """Sparkplug B basic data types (the ones a metric value can have)."""

    UNKNOWN = 0
    INT8 = 1
    INT16 = 2
    INT32 = 3
    INT64 = 4
    UINT8 = 5
    UINT16 = 6
    UINT32 = 7
    UINT64 = 8
    FLOAT = 9
    DOUBLE = 10
    BOOLEAN = 11
    STRING = 12
    DATETIME = 13
    TEXT = 14
    UUID = 15
    DATASET = 16
    BYTES = 17
    FILE = 18
    TEMPLATE = 19


_INT_BITS = {DataType.INT8: 8, DataType.INT16: 16, DataType.INT32: 32,
             DataType.UINT8: 8, DataType.UINT16: 16, DataType.UINT32: 32}  # fmt: skip
_SIGNED = {DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64}
_LONG = {DataType.INT64, DataType.UINT64, DataType.DATETIME}
_TEXT = {DataType.STRING, DataType.TEXT, DataType.UUID}
_BYTES = {DataType.BYTES, DataType.FILE}
_FIELD_OF: dict[DataType, int] = {
    **dict.fromkeys(_INT_BITS, 10), **dict.fromkeys(_LONG, 11), DataType.FLOAT: 12,
    DataType.DOUBLE: 13, DataType.BOOLEAN: 14, **dict.fromkeys(_TEXT, 15),
    **dict.fromkeys(_BYTES, 16), DataType.DATASET: 17, DataType.TEMPLATE: 18,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric of a payload; ``name`` or ``alias`` identifies it."""

    name: str | None = None
    alias: int | None = None
    timestamp: int | None = None
    datatype: DataType = DataType.UNKNOWN
    value: MetricValue = None
    is_null: bool = False
    is_historical: bool = False
    is_transient: bool = False


@dataclass(frozen=True, slots=True)
class Payload:
    """One Sparkplug B message body."""

    timestamp: int | None = None
    metrics: list[Metric] = field(default_factory=list)
    seq: int | None = None
    uuid: str | None = None
    body: bytes | None = None


def _encode_value(w: Writer, m: Metric) -> None:
    if m.is_null or m.value is None:
        return
    kind, value = m.datatype, m.value
    if kind in _INT_BITS and isinstance(value, int):
        w.uint(10, value & 0xFFFF_FFFF)
    elif kind in _LONG and isinstance(value, int):
        w.uint(11, value)
    elif kind is DataType.FLOAT and isinstance(value, int | float):
        w.float_(12, float(value))
    elif kind is DataType.DOUBLE and isinstance(value, int | float):
        w.double(13, float(value))
    elif kind is DataType.BOOLEAN and isinstance(value, bool):
        w.uint(14, int(value))
    elif kind in _TEXT and isinstance(value, str):
        w.bytes_(15, value.encode())
    elif kind in _BYTES and isinstance(value, bytes):
        w.bytes_(16, value)
    else:
        raise ValueError(f"metric {m.name or m.alias}: {value!r} is not a {kind.name} value")


def encode_payload(payload: Payload) -> bytes:
    """The protobuf bytes of ``payload``."""
    w = Writer()
    if payload.timestamp is not None:
        w.uint(1, payload.timestamp)
    for m in payload.metrics:
        mw = Writer()
        if m.name is not None:
            mw.bytes_(1, m.name.encode())
        if m.alias is not None:
            mw.uint(2, m.alias)
        if m.timestamp is not None:
            mw.uint(3, m.timestamp)
        mw.uint(4, int(m.datatype))
        if m.is_historical:
            mw.uint(5, 1)
        if m.is_transient:
            mw.uint(6, 1)
        if m.is_null:
            mw.uint(7, 1)
        _encode_value(mw, m)
        w.bytes_(2, mw.getvalue())
    if payload.seq is not None:
        w.uint(3, payload.seq)
    if payload.uuid is not None:
        w.bytes_(4, payload.uuid.encode())
    if payload.body is not None:
        w.bytes_(5, payload.body)
    return w.getvalue()


def _text(raw: int | bytes, what: str) -> str:
    if not isinstance(raw, bytes):
        raise PayloadRejectedError(Reason.MALFORMED, f"{what} is not length-delimited")
    try:
        return raw.decode()
    except UnicodeDecodeError as err:
        raise PayloadRejectedError(Reason.MALFORMED, f"{what} is not UTF-8") from err


def _int(raw: int | bytes, what: str) -> int:
    if isinstance(raw, bytes):
        raise PayloadRejectedError(Reason.MALFORMED, f"{what} must be a number")
    return raw


def _number(kind: DataType, value: int) -> int | float | bool:
    if kind in _INT_BITS:
        bits = _INT_BITS[kind]
        return to_signed(value, bits) if kind in _SIGNED else value & ((1 << bits) - 1)
    if kind in _LONG:
        return to_signed(value, 64) if kind in _SIGNED else value
    if kind is DataType.FLOAT:
        return float32(value)
    if kind is DataType.DOUBLE:
        return float64(value)
    return bool(value)  # BOOLEAN, the last kind with a numeric value field


def _value(kind: DataType, number: int, raw: int | bytes, name: str) -> MetricValue:
    if _FIELD_OF.get(kind) != number:
        raise PayloadRejectedError(
            Reason.WRONG_TYPE, f"metric {name}: value field {number} does not hold a {kind.name}"
        )
    if kind in (DataType.DATASET, DataType.TEMPLATE):
        return None  # not supported: the caller rejects the metric
    if kind in _TEXT:
        return _text(raw, f"metric {name} value")
    if kind in _BYTES:
        if not isinstance(raw, bytes):
            raise PayloadRejectedError(Reason.MALFORMED, f"metric {name}: bytes expected")
        return raw
    return _number(kind, _int(raw, f"metric {name} value"))


def _metric(data: bytes) -> Metric:
    name: str | None = None
    alias = timestamp = None
    kind = DataType.UNKNOWN
    flags = {5: False, 6: False, 7: False}  # is_historical, is_transient, is_null
    raw_value: tuple[int, int | bytes] | None = None
    for f in read_fields(data):
        if f.number == 1:
            name = _text(f.value, "metric name")
        elif f.number == 2:
            alias = _int(f.value, "alias")
        elif f.number == 3:
            timestamp = _int(f.value, "metric timestamp")
        elif f.number == 4:
            code = _int(f.value, "datatype")
            if code not in DataType._value2member_map_:
                raise PayloadRejectedError(Reason.WRONG_TYPE, f"unsupported datatype {code}")
            kind = DataType(code)
        elif f.number in flags:
            flags[f.number] = bool(_int(f.value, "flag"))
        elif 10 <= f.number <= 19:
            raw_value = (f.number, f.value)
    value: MetricValue = None
    if raw_value is not None and not flags[7]:
        value = _value(kind, raw_value[0], raw_value[1], name or str(alias))
    return Metric(name, alias, timestamp, kind, value, flags[7], flags[5], flags[6])


def decode_payload(data: bytes, max_bytes: int = 1 << 20) -> Payload:
    """The payload in ``data``; PayloadRejectedError when it is not a valid Sparkplug B one."""
    if len(data) > max_bytes:
        raise PayloadRejectedError(Reason.OVERSIZED, f"{len(data)} bytes > {max_bytes}")
    timestamp = seq = None
    uuid: str | None = None
    body: bytes | None = None
    metrics: list[Metric] = []
    try:
        for f in read_fields(data):
            if f.number == 1:
                timestamp = _int(f.value, "timestamp")
            elif f.number == 2:
                if f.wire_type != LEN or not isinstance(f.value, bytes):
                    raise PayloadRejectedError(Reason.MALFORMED, "metric is not a message")
                metrics.append(_metric(f.value))
            elif f.number == 3:
                seq = _int(f.value, "seq")
            elif f.number == 4:
                uuid = _text(f.value, "uuid")
            elif f.number == 5 and isinstance(f.value, bytes):
                body = f.value
    except WireError as err:
        raise PayloadRejectedError(Reason.MALFORMED, f"not a Sparkplug B payload: {err}") from err
    return Payload(timestamp, metrics, seq, uuid, body)
