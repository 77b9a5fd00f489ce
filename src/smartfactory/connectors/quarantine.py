"""Quarantine: bad payloads kept with the reason they were rejected, counted per reason.

Nothing a peer sends is dropped silently: a payload that cannot become samples (malformed
JSON, wrong types, NaN, timestamps out of tolerance, unknown signals, oversized) is recorded
here with its source, the raw bytes (truncated to ``max_payload_bytes``) and the reason. The
table keeps the newest ``limit`` entries; the per-reason counters are never truncated, so
``total()`` is the exact number rejected. Thread-unsafe by design: one event loop owns it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from smartfactory.connectors.base import Clock, utc_now

__all__ = ["Quarantine", "QuarantineEntry", "Reason"]


class Reason(StrEnum):
    """Why a payload was rejected."""

    MALFORMED = "malformed"  # not parseable (JSON, protobuf, topic layout)
    WRONG_TYPE = "wrong_type"  # parsed, but a value or field has the wrong type
    NOT_FINITE = "not_finite"  # NaN or +-inf
    TIMESTAMP = "timestamp_out_of_tolerance"
    UNKNOWN_SIGNAL = "unknown_signal"
    OVERSIZED = "oversized"
    UNSTORABLE = "unstorable"  # a good value the sample table cannot hold (text)


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One rejected payload: when, from where, why, and the (possibly truncated) bytes."""

    ts: datetime
    source: str
    reason: Reason
    detail: str
    payload: bytes
    truncated: bool = False


class Quarantine:
    """A bounded table of rejected payloads with exact per-reason counts."""

    def __init__(
        self, limit: int = 10_000, max_payload_bytes: int = 4096, clock: Clock = utc_now
    ) -> None:
        if limit < 1 or max_payload_bytes < 0:
            raise ValueError("limit must be >= 1 and max_payload_bytes >= 0")
        self.limit = limit
        self.max_payload_bytes = max_payload_bytes
        self.clock = clock
        self._entries: deque[QuarantineEntry] = deque(maxlen=limit)
        self._counts: Counter[Reason] = Counter()

    def add(self, source: str, reason: Reason, detail: str, payload: bytes | str = b"") -> None:
        """Record one rejected payload."""
        raw = payload.encode("utf-8", "replace") if isinstance(payload, str) else bytes(payload)
        cut = len(raw) > self.max_payload_bytes
        self._entries.append(
            QuarantineEntry(
                ts=self.clock(),
                source=source,
                reason=reason,
                detail=detail,
                payload=raw[: self.max_payload_bytes],
                truncated=cut,
            )
        )
        self._counts[reason] += 1

    def counts(self) -> dict[Reason, int]:
        """How many payloads were rejected, per reason, since the start."""
        return dict(self._counts)

    def total(self) -> int:
        """How many payloads were rejected since the start."""
        return sum(self._counts.values())

    def entries(
        self, reason: Reason | None = None, source: str | None = None, limit: int | None = None
    ) -> list[QuarantineEntry]:
        """The kept entries, newest first, optionally of one reason or source."""
        out: list[QuarantineEntry] = []
        for entry in reversed(self._entries):
            if (reason is None or entry.reason is reason) and (
                source is None or entry.source == source
            ):
                out.append(entry)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[QuarantineEntry]:
        return iter(self._entries)
