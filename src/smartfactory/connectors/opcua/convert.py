"""Turning OPC UA data values into samples, and status codes into readable text."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum

from asyncua import ua

from smartfactory.connectors.base import Quality, Sample, Value

__all__ = ["sample_of", "status_text", "to_utc", "to_value", "variant_type_name"]


def status_text(code: ua.StatusCode) -> str:
    """``BadNodeIdUnknown: The node id refers to ...`` for a status code."""
    try:
        name, doc = code.name, code.doc
    except Exception:  # an unknown code has no name
        return f"status 0x{code.value:08X}"
    return f"{name}: {doc}" if doc else name


def to_utc(ts: datetime | None) -> datetime | None:
    """``ts`` as timezone-aware UTC (OPC UA times are UTC; naive ones are taken as UTC)."""
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def to_value(raw: object) -> Value | None:
    """A scalar a sample can carry, or None when the variant holds something else."""
    if isinstance(raw, IntEnum):
        return int(raw)
    if isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, ua.LocalizedText):
        return raw.Text or ""
    if isinstance(raw, datetime):
        stamp = to_utc(raw)
        return stamp.isoformat() if stamp is not None else None
    return None


def variant_type_name(variant: ua.Variant | None) -> str:
    """The variant type's name (``Double``), for messages."""
    return variant.VariantType.name if variant is not None else "Null"


def sample_of(tag: str, dv: ua.DataValue, now: datetime) -> Sample:
    """The sample of ``tag`` from a data value; its source timestamp when the server gave one.

    A bad status becomes a BAD sample with the status text; an uncertain one keeps its value
    with quality UNCERTAIN; a value that is not a scalar (an array, a structure) is BAD.
    """
    ts = to_utc(dv.SourceTimestamp) or to_utc(dv.ServerTimestamp) or now
    status = dv.StatusCode if dv.StatusCode is not None else ua.StatusCode()
    if status.is_bad():
        return Sample.bad(tag, ts, status_text(status))
    variant = dv.Value
    raw = variant.Value if variant is not None else None
    if variant is not None and variant.is_array:
        return Sample.bad(tag, ts, f"unsupported value: array of {variant_type_name(variant)}")
    value = to_value(raw)
    if value is None:
        return Sample.bad(tag, ts, f"unsupported value type {variant_type_name(variant)}")
    if status.is_uncertain():
        return Sample(tag, ts, value, Quality.UNCERTAIN, status_text(status))
    return Sample(tag, ts, value)
