"""The audit log: who changed what, when; one append-only table shared by every area.

Every change made through the API, the CLI or an autonomous decision is recorded with
:func:`record` (or, inside a larger transaction, with the statement from :func:`entry`), and
read back newest first with :func:`entries`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smartfactory.store.base import Store

__all__ = ["AuditEntry", "entries", "entry", "record"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change: when, who (user name or ``system``), what, on what, details."""

    id: str
    ts: datetime
    actor: str
    action: str
    target: str
    data: dict[str, Any]


def entry(
    actor: str,
    action: str,
    target: str = "",
    data: Mapping[str, Any] | None = None,
    *,
    ts: datetime | None = None,
) -> tuple[str, Sequence[object]]:
    """The INSERT statement recording one change, for :meth:`Store.execute_all`."""
    at = (ts or datetime.now(UTC)).astimezone(UTC)
    return (
        "INSERT INTO audit_log (id, ts, actor, action, target, data) VALUES (?, ?, ?, ?, ?, ?)",
        [uuid.uuid4().hex, at, actor, action, target, json.dumps(dict(data or {}), default=str)],
    )


def record(
    store: Store,
    actor: str,
    action: str,
    target: str = "",
    data: Mapping[str, Any] | None = None,
    *,
    ts: datetime | None = None,
) -> None:
    """Record one change in the audit log."""
    statement, params = entry(actor, action, target, data, ts=ts)
    store.execute(statement, params)


def entries(
    store: Store,
    *,
    since: datetime | None = None,
    target: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Recorded changes, newest first, optionally since a time and for one target."""
    rows = store.query(
        "SELECT id, ts, actor, action, target, data FROM audit_log"
        " WHERE (CAST(? AS TIMESTAMPTZ) IS NULL OR ts >= ?)"
        " AND (CAST(? AS VARCHAR) IS NULL OR target = ?)"
        " ORDER BY ts DESC, id LIMIT ? OFFSET ?",
        [since, since, target, target, int(limit), int(offset)],
    )
    return [
        AuditEntry(
            id=str(r[0]),
            ts=r[1].astimezone(UTC),
            actor=str(r[2]),
            action=str(r[3]),
            target=str(r[4]),
            data=json.loads(r[5]),
        )
        for r in rows
    ]
