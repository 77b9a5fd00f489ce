"""The Unified Namespace: ISA-95 topics and their JSON payloads, parsed and validated.

Topics are ``<enterprise>/<site>/<area>/<line>/<machine>/<signal>`` with a payload
``{"timestamp_ms": 1700000000000, "value": 21.5}``, or ``<enterprise>/<site>/<area>/<line>/
<machine>`` with several signals in one object ``{"timestamp_ms": ..., "temp": 21.5,
"speed": 1200}``. ``timestamp_ms`` is optional (the receive time is used). Values are numbers,
booleans or text; anything else is rejected with a :class:`~smartfactory.connectors.quarantine.
Reason` by raising :class:`PayloadRejectedError`. A sample's tag is ``<machine>/<signal>``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smartfactory.connectors.base import Sample
from smartfactory.connectors.quarantine import Reason

__all__ = [
    "TIMESTAMP",
    "PayloadRejectedError",
    "UnsLimits",
    "machine_topic",
    "parse_message",
    "signal_topic",
]

LEVELS = 6  # enterprise, site, area, line, machine, signal
TIMESTAMP = "timestamp_ms"


class PayloadRejectedError(ValueError):
    """A message cannot become samples; ``reason`` says why (for the quarantine)."""

    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True, slots=True)
class UnsLimits:
    """What a message may be: its size and how far its timestamp may be from now."""

    max_payload_bytes: int = 65_536
    timestamp_tolerance_s: float = 3600.0


def signal_topic(path: str, machine: str, signal: str) -> str:
    """The topic of one signal of a machine under ``enterprise/site/area/line``."""
    return f"{path}/{machine}/{signal}"


def machine_topic(path: str, machine: str) -> str:
    """The topic of a machine's multi-signal objects."""
    return f"{path}/{machine}"


_BIG = 2**1023  # JSON integers beyond a float64's range are rejected as not finite


def _value(signal: str, raw: object) -> float | int | bool | str:
    if isinstance(raw, bool | str):
        return raw
    if isinstance(raw, int | float):
        if isinstance(raw, int) and not -_BIG < raw < _BIG:
            raise PayloadRejectedError(Reason.NOT_FINITE, f"{signal}: integer out of range")
        if not math.isfinite(raw):
            raise PayloadRejectedError(Reason.NOT_FINITE, f"{signal}: {raw}")
        return raw
    raise PayloadRejectedError(Reason.WRONG_TYPE, f"{signal}: {type(raw).__name__} value")


def _timestamp(obj: dict[str, object], now: datetime, limits: UnsLimits) -> datetime:
    raw = obj.get(TIMESTAMP)
    if raw is None:
        return now
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PayloadRejectedError(Reason.WRONG_TYPE, f"{TIMESTAMP} is {type(raw).__name__}")
    if isinstance(raw, int) and not -_BIG < raw < _BIG:  # math.isfinite would overflow
        raise PayloadRejectedError(Reason.NOT_FINITE, f"{TIMESTAMP}: integer out of range")
    if not math.isfinite(raw):
        raise PayloadRejectedError(Reason.NOT_FINITE, f"{TIMESTAMP} is {raw}")
    tolerance_ms = limits.timestamp_tolerance_s * 1000
    if abs(raw - now.timestamp() * 1000) > tolerance_ms:
        raise PayloadRejectedError(Reason.TIMESTAMP, f"{TIMESTAMP} {raw} is too far from now")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=raw)


def parse_message(
    topic: str, payload: bytes, levels_before_machine: int, now: datetime, limits: UnsLimits
) -> list[Sample]:
    """The samples of one message; PayloadRejectedError when it cannot be taken.

    ``levels_before_machine`` is the depth of the machine level (4 for the full ISA-95 path).
    """
    if len(payload) > limits.max_payload_bytes:
        raise PayloadRejectedError(Reason.OVERSIZED, f"{len(payload)} bytes")
    parts = topic.split("/")
    depth = len(parts) - levels_before_machine
    if depth not in {1, 2} or not all(parts):
        raise PayloadRejectedError(Reason.MALFORMED, f"topic {topic!r} is not a UNS topic")
    try:
        obj = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PayloadRejectedError(Reason.MALFORMED, f"not JSON: {err}") from err
    except RecursionError as err:
        raise PayloadRejectedError(Reason.MALFORMED, "JSON nested too deeply") from err
    if not isinstance(obj, dict):
        raise PayloadRejectedError(Reason.WRONG_TYPE, f"payload is a {type(obj).__name__}")
    ts = _timestamp(obj, now, limits)
    machine = parts[levels_before_machine]
    if depth == 2:
        signal = parts[-1]
        if "value" not in obj:
            raise PayloadRejectedError(Reason.WRONG_TYPE, "no 'value' field")
        return [Sample(f"{machine}/{signal}", ts, _value(signal, obj["value"]))]
    obj.pop(TIMESTAMP, None)
    if not obj:
        raise PayloadRejectedError(Reason.WRONG_TYPE, "object holds no signal")
    for k, v in obj.items():  # all or nothing; plain finite numbers pass without a call
        t = type(v)
        if not ((t is float and v - v == 0) or (t is int and -_BIG < v < _BIG)):
            _value(k, v)
    prefix = f"{machine}/"
    return [Sample(prefix + k, ts, v) for k, v in obj.items()]
