"""Optimistic writes: change a record only if it is as it was read, and audit only then.

Work orders and decisions are changed by people (API, CLI) and by the system at the same
time. Each change is one transaction of two statements built here: the audit entry, inserted
only if the row still matches what was read (``guard``), then the update with the same guard.
When someone else changed the row first, the update changes nothing, no audit entry is left
behind, and the caller raises :class:`~smartfactory.errors.InvalidTransitionError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from smartfactory.store.base import Store

__all__ = ["guarded_write"]


def guarded_write(
    store: Store,
    *,
    table: str,
    record_id: str,
    values: Mapping[str, Any],
    guard: Mapping[str, Any],
    actor: str,
    action: str,
    data: Mapping[str, Any],
    ts: datetime,
) -> bool:
    """Set ``values`` on row ``record_id`` of ``table`` if it still matches ``guard``; audit it.

    Returns whether the row was changed (False: it no longer matched, nothing was written).
    ``table`` and the column names come from code, never from input.
    """
    at = ts.astimezone(UTC)
    where = " AND ".join(["id = ?", *(f"{column} = ?" for column in guard)])
    match: list[object] = [record_id, *guard.values()]
    audit: tuple[str, Sequence[object]] = (
        "INSERT INTO audit_log (id, ts, actor, action, target, data)"
        " SELECT CAST(? AS VARCHAR), CAST(? AS TIMESTAMPTZ), CAST(? AS VARCHAR),"
        " CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TEXT)"
        f" WHERE EXISTS (SELECT 1 FROM {table} WHERE {where})",
        [
            uuid.uuid4().hex,
            at,
            actor,
            action,
            record_id,
            json.dumps(dict(data), default=str),
            *match,
        ],
    )
    sets = ", ".join(f"{column} = ?" for column in values)
    update = (f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *match])
    changed = store.execute_all([audit, update])
    return changed[1] == 1
