"""Quarantine: bad payloads kept with the reason they were rejected, counted per reason.

Nothing a peer sends is dropped silently: a payload that cannot become samples (malformed
JSON or protobuf, wrong types, NaN/inf, timestamps out of tolerance, unknown signals,
oversized) is recorded with its source, the raw bytes (truncated to ``max_payload_bytes``) and
the reason.

In memory, :class:`Quarantine` keeps the newest ``limit`` entries and exact per-reason counters
(never truncated, so ``total()`` is the exact number rejected since the start). Thread-unsafe
by design: one event loop owns it.

Durable (the repository of the store's ``quarantine`` table): with a store attached
(:meth:`Quarantine.attach`; the poller attaches its own store to the quarantines it drives),
:meth:`Quarantine.add` only queues the entry and :meth:`Quarantine.flush` writes what is
queued in multi-row INSERTs (the poller calls it once per cycle, before it acknowledges the
batch to a push peer), so the hot path pays one list append per rejected payload. After a
write the table is trimmed to ``store_rows`` entries, oldest first; the counts of trimmed
rows are kept in *tally rows* of the same table (id ``#<reason>|<source>``, the count in
``detail``, no payload) so :func:`counts` stays exact after trimming. A failing store keeps
the queue (bounded by ``limit``; entries pushed out of it are still counted in the tallies on
the next successful flush) and never raises into the poller.

The functions :func:`entries`, :func:`counts` and :func:`clear` read and clear the table for
the CLI (``smartfactory quarantine``) and the API (``/api/v1/quarantine``).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from smartfactory.connectors.base import Clock, utc_now
from smartfactory.store.base import Store

__all__ = [
    "Quarantine",
    "QuarantineCount",
    "QuarantineEntry",
    "Reason",
    "clear",
    "counts",
    "entries",
    "trim",
]

logger = logging.getLogger(__name__)

_TALLY = "#"  # entry ids are uuid hex, so a tally id never collides with one
_INSERT_CHUNK = 200
_COLUMNS = "id, ts, source, reason, detail, payload"


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
    id: str = ""


@dataclass(frozen=True, slots=True)
class QuarantineCount:
    """How many payloads of one source were rejected for one reason (kept and trimmed)."""

    source: str
    reason: str
    count: int
    kept: int


class Quarantine:
    """A bounded table of rejected payloads with exact per-reason counts; optionally durable."""

    def __init__(
        self,
        limit: int = 10_000,
        max_payload_bytes: int = 4096,
        clock: Clock = utc_now,
        store: Store | None = None,
        store_rows: int = 100_000,
    ) -> None:
        if limit < 1 or max_payload_bytes < 0 or store_rows < 1:
            raise ValueError("limit and store_rows must be >= 1 and max_payload_bytes >= 0")
        self.limit = limit
        self.max_payload_bytes = max_payload_bytes
        self.clock = clock
        self.store = store
        self.store_rows = store_rows
        self.flush_failures = 0
        self.stored = 0
        self._entries: deque[QuarantineEntry] = deque(maxlen=limit)
        self._counts: Counter[Reason] = Counter()
        self._unsaved: deque[QuarantineEntry] = deque()
        self._unsaved_dropped: Counter[tuple[str, str]] = Counter()

    def attach(self, store: Store, store_rows: int | None = None) -> None:
        """Keep entries durably in ``store`` from now on (no-op when one is attached)."""
        if self.store is None:
            self.store = store
            if store_rows is not None:
                self.store_rows = store_rows

    def add(self, source: str, reason: Reason, detail: str, payload: bytes | str = b"") -> None:
        """Record one rejected payload (queued for the store until :meth:`flush`)."""
        raw = payload.encode("utf-8", "replace") if isinstance(payload, str) else bytes(payload)
        cut = len(raw) > self.max_payload_bytes
        entry = QuarantineEntry(
            ts=self.clock(),
            source=source,
            reason=reason,
            detail=detail,
            payload=raw[: self.max_payload_bytes],
            truncated=cut,
            id=uuid.uuid4().hex,
        )
        self._entries.append(entry)
        self._counts[reason] += 1
        if self.store is not None:
            if len(self._unsaved) >= self.limit:
                old = self._unsaved.popleft()
                self._unsaved_dropped[(old.source, str(old.reason))] += 1
            self._unsaved.append(entry)

    def pending(self) -> int:
        """Entries queued for the store."""
        return len(self._unsaved)

    def flush(self) -> int:
        """Write the queued entries to the store and trim it; rows written (0 on failure)."""
        store = self.store
        if store is None or (not self._unsaved and not self._unsaved_dropped):
            return 0
        batch = list(self._unsaved)
        statements = _inserts(batch)
        statements += _tally_updates(store, self._unsaved_dropped, self.clock())
        try:
            store.execute_all(statements)
            trim(store, self.store_rows, now=self.clock())
        except Exception as err:  # a store failure must not reach the consumer; keep the queue
            self.flush_failures += 1
            logger.debug("quarantine: store write failed: %s", err)
            return 0
        for _ in batch:
            self._unsaved.popleft()
        self._unsaved_dropped.clear()
        self.stored += len(batch)
        return len(batch)

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


def _inserts(batch: Sequence[QuarantineEntry]) -> list[tuple[str, Sequence[object]]]:
    out: list[tuple[str, Sequence[object]]] = []
    for start in range(0, len(batch), _INSERT_CHUNK):
        chunk = batch[start : start + _INSERT_CHUNK]
        values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk))
        params: list[object] = []
        for e in chunk:
            params += [e.id, e.ts.astimezone(UTC), e.source, str(e.reason), e.detail, e.payload]
        out.append((f"INSERT INTO quarantine ({_COLUMNS}) VALUES {values}", params))
    return out


def _tally_id(source: str, reason: str) -> str:
    return f"{_TALLY}{reason}|{source}"


def _tally_updates(
    store: Store, add: Counter[tuple[str, str]], now: datetime
) -> list[tuple[str, Sequence[object]]]:
    """Statements adding ``add`` to the tally rows (read now, written in the caller's batch)."""
    if not add:
        return []
    existing = {
        str(r[0]): int(r[1])
        for r in store.query("SELECT id, detail FROM quarantine WHERE id LIKE ?", [f"{_TALLY}%"])
    }
    out: list[tuple[str, Sequence[object]]] = []
    for (source, reason), n in add.items():
        tid = _tally_id(source, reason)
        if tid in existing:
            out.append(
                ("UPDATE quarantine SET detail = ?, ts = ? WHERE id = ?",
                 [str(existing[tid] + n), now, tid])
            )  # fmt: skip
        else:
            out.append(
                (f"INSERT INTO quarantine ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
                 [tid, now, source, reason, str(n)])
            )  # fmt: skip
    return out


def trim(store: Store, keep: int, *, now: datetime | None = None) -> int:
    """Delete the oldest entries beyond ``keep``, adding them to the tallies; rows deleted."""
    (n,) = store.query("SELECT COUNT(*) FROM quarantine WHERE id NOT LIKE ?", [f"{_TALLY}%"])[0]
    excess = int(n) - keep
    if excess <= 0:
        return 0
    old = store.query(
        "SELECT id, ts, source, reason FROM quarantine WHERE id NOT LIKE ? ORDER BY ts, id LIMIT ?",
        [f"{_TALLY}%", excess],
    )
    trimmed: Counter[tuple[str, str]] = Counter((str(r[2]), str(r[3])) for r in old)
    last_id, last_ts = old[-1][0], old[-1][1]
    statements = _tally_updates(store, trimmed, now or datetime.now(UTC))
    statements.append(
        (
            "DELETE FROM quarantine WHERE id NOT LIKE ? AND (ts < ? OR (ts = ? AND id <= ?))",
            [f"{_TALLY}%", last_ts, last_ts, last_id],
        )
    )
    return store.execute_all(statements)[-1]


def _where(source: str | None, reason: str | None) -> tuple[str, list[object]]:
    """The filter of one source (exactly, or as a ``source:...`` prefix) and reason."""
    clauses: list[str] = []
    params: list[object] = []
    if source is not None:
        clauses.append("(source = ? OR source LIKE ?)")
        params += [source, f"{source}:%"]
    if reason is not None:
        clauses.append("reason = ?")
        params.append(str(reason))
    return "".join(f" AND {c}" for c in clauses), params


def entries(
    store: Store,
    *,
    source: str | None = None,
    reason: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[QuarantineEntry]:
    """Kept entries, newest first; ``source`` matches exactly or as a ``source:`` prefix."""
    where, params = _where(source, reason)
    rows = store.query(
        f"SELECT {_COLUMNS} FROM quarantine WHERE id NOT LIKE ?{where}"
        " ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?",
        [f"{_TALLY}%", *params, int(limit), int(offset)],
    )
    return [_entry(r) for r in rows]


def _entry(r: tuple[Any, ...]) -> QuarantineEntry:
    try:
        reason = Reason(str(r[3]))
    except ValueError:  # a reason written by a newer version
        reason = Reason.MALFORMED
    payload = b"" if r[5] is None else bytes(r[5])
    return QuarantineEntry(
        ts=r[1].astimezone(UTC), source=str(r[2]), reason=reason, detail=str(r[4]),
        payload=payload, id=str(r[0]),
    )  # fmt: skip


def counts(
    store: Store, *, source: str | None = None, reason: str | None = None
) -> list[QuarantineCount]:
    """Rejections per (source, reason): kept rows plus trimmed ones, largest first."""
    where, params = _where(source, reason)
    total: Counter[tuple[str, str]] = Counter()
    kept: Counter[tuple[str, str]] = Counter()
    for src, why, n in store.query(
        f"SELECT source, reason, COUNT(*) FROM quarantine WHERE id NOT LIKE ?{where}"
        " GROUP BY source, reason",
        [f"{_TALLY}%", *params],
    ):
        kept[(str(src), str(why))] = int(n)
        total[(str(src), str(why))] += int(n)
    for src, why, detail in store.query(
        f"SELECT source, reason, detail FROM quarantine WHERE id LIKE ?{where}",
        [f"{_TALLY}%", *params],
    ):
        total[(str(src), str(why))] += int(detail)
    rows = [QuarantineCount(s, r, n, kept[(s, r)]) for (s, r), n in total.items()]
    return sorted(rows, key=lambda c: (-c.count, c.source, c.reason))


def clear(store: Store, *, source: str | None = None, reason: str | None = None) -> int:
    """Delete entries and their tallies (all, or of one source / reason); entries deleted."""
    where, params = _where(source, reason)
    deleted = store.execute_all(
        [
            (f"DELETE FROM quarantine WHERE id NOT LIKE ?{where}", [f"{_TALLY}%", *params]),
            (f"DELETE FROM quarantine WHERE id LIKE ?{where}", [f"{_TALLY}%", *params]),
        ]
    )
    return deleted[0]
