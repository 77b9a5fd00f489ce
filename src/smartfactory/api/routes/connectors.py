"""Connector routes: the status of each running connector, and the quarantine.

Thin adapters over :mod:`smartfactory.connectors.status` (the application context's
``pollers`` registry) and :mod:`smartfactory.connectors.quarantine` (the store's table):

- ``GET /connectors`` (VIEW): each connector instance's state (CONNECTING, ONLINE, DEGRADED,
  OFFLINE), since when, its last error, sample counters and rejects per reason;
- ``GET /quarantine`` (VIEW): kept rejected payloads, newest first, filtered by ``source``
  (exactly or as a ``source:`` prefix) and ``reason``, paginated (``limit``, ``offset``), with
  the exact counts per source and reason (trimmed entries included);
- ``DELETE /quarantine`` (CONFIGURE): delete entries and their counts (all, or one source /
  reason); recorded in the audit log.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from smartfactory.api.auth.deps import Principal, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import ContextDep, StoreDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.connectors import quarantine as repo
from smartfactory.connectors.quarantine import QuarantineEntry, Reason
from smartfactory.errors import StoreError
from smartfactory.store import audit
from smartfactory.store.base import Store

__all__ = ["router"]

router = APIRouter(tags=["connectors"])

_ERRORS: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorPublic, "description": "No store is configured."},
}


class ConnectorStatusPublic(BaseModel):
    """One running connector instance."""

    name: str
    kind: str
    state: str = Field(description="connecting, online, degraded or offline.")
    since: datetime | None = Field(description="When the state last changed.")
    last_error: str = Field(description="Why it last went offline or degraded ('' if never).")
    samples: int
    good_samples: int
    bad_samples: int
    stored_rows: int
    buffered: bool = Field(description="Rows wait in memory for the store.")
    rejects: dict[str, int] = Field(description="Rejected input per reason since the start.")


class QuarantineEntryPublic(BaseModel):
    """One rejected payload."""

    id: str
    ts: datetime
    source: str
    reason: Reason
    detail: str
    payload: str = Field(description="The raw payload: text if UTF-8, else base64.")
    payload_encoding: str = Field(description="utf-8 or base64.")


class QuarantineCountPublic(BaseModel):
    """Rejections of one source for one reason: all, and those still kept."""

    source: str
    reason: str
    count: int
    kept: int


class QuarantinePage(BaseModel):
    """A page of entries and the counts under the same filter."""

    entries: list[QuarantineEntryPublic]
    counts: list[QuarantineCountPublic]
    limit: int
    offset: int


class QuarantineCleared(BaseModel):
    """How many entries were deleted."""

    deleted: int


def _store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("this server runs without a store; the quarantine needs one")
    return store


def _public(e: QuarantineEntry) -> QuarantineEntryPublic:
    try:
        payload, encoding = e.payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        payload, encoding = base64.b64encode(e.payload).decode("ascii"), "base64"
    return QuarantineEntryPublic(
        id=e.id, ts=e.ts, source=e.source, reason=e.reason, detail=e.detail,
        payload=payload, payload_encoding=encoding,
    )  # fmt: skip


@router.get(
    "/connectors",
    operation_id="list_connectors",
    response_model=list[ConnectorStatusPublic],
    dependencies=[Depends(require(Permission.VIEW))],
)
def list_connectors(context: ContextDep) -> list[ConnectorStatusPublic]:
    """The status of every connector instance running in this server."""
    return [
        ConnectorStatusPublic(
            name=s.name,
            kind=s.kind,
            state=str(s.state),
            since=s.since,
            last_error=s.last_error,
            samples=s.samples,
            good_samples=s.good_samples,
            bad_samples=s.bad_samples,
            stored_rows=s.stored_rows,
            buffered=s.buffered,
            rejects=s.rejects,
        )
        for s in context.pollers.statuses()
    ]


@router.get(
    "/quarantine",
    operation_id="list_quarantine",
    response_model=QuarantinePage,
    responses=_ERRORS,
    dependencies=[Depends(require(Permission.VIEW))],
)
def list_quarantine(
    store: StoreDep,
    source: Annotated[str | None, Query(description="A source, or its 'kind' prefix.")] = None,
    reason: Reason | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # fits SQL BIGINT
) -> QuarantinePage:
    """Rejected payloads, newest first, and the counts per source and reason."""
    db = _store(store)
    why = None if reason is None else str(reason)
    rows = repo.entries(db, source=source, reason=why, limit=limit, offset=offset)
    counts = repo.counts(db, source=source, reason=why)
    tally = [
        QuarantineCountPublic(source=c.source, reason=c.reason, count=c.count, kept=c.kept)
        for c in counts
    ]
    return QuarantinePage(
        entries=[_public(e) for e in rows], counts=tally, limit=limit, offset=offset
    )


@router.delete(
    "/quarantine",
    operation_id="clear_quarantine",
    response_model=QuarantineCleared,
    responses=_ERRORS,
)
def clear_quarantine(
    store: StoreDep,
    user: Annotated[Principal, Depends(require(Permission.CONFIGURE))],
    source: str | None = None,
    reason: Reason | None = None,
) -> QuarantineCleared:
    """Delete rejected payloads and their counts (all, or of one source / reason)."""
    db = _store(store)
    why = None if reason is None else str(reason)
    deleted = repo.clear(db, source=source, reason=why)
    audit.record(db, user.username, "quarantine.clear", source or "",
                 {"reason": why, "deleted": deleted})  # fmt: skip
    return QuarantineCleared(deleted=deleted)
