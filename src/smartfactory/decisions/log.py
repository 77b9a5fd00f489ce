"""The decision log: every maintenance or schedule decision, what it saw and who decided.

A :class:`Proposal` is what a decision maker (the maintenance policy, the scheduler) hands to
:func:`smartfactory.decisions.service.propose`; the stored :class:`Decision` adds its id,
time, status, the autonomy level it met, its explanations in English and Korean and, once
answered, who decided and when. Decisions live in the ``decisions`` record table; the
figures (inputs, alternatives, chosen, benefit, guardrail findings, the work order it made)
are one JSON document in its ``data`` column.

Status moves (:data:`DECISION_TRANSITIONS`)::

    proposed ──> applied ──> undone
       │ └─────> rejected
       └───────> expired

``approved`` is recorded only for an approval whose application is left to its owner (none
today: approving a decision applies it at once, so it goes straight to ``applied``); it may
then be applied or undone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from smartfactory.decisions.explain import Explanation, ExplanationInputs
from smartfactory.decisions.guarded import guarded_write
from smartfactory.decisions.workorders import Page, Part, WorkOrderKind
from smartfactory.errors import DataError, InvalidTransitionError, NotFoundError
from smartfactory.store.base import Store

__all__ = [
    "DECISION_TRANSITIONS",
    "Alternative",
    "Decision",
    "DecisionKind",
    "DecisionStatus",
    "Proposal",
    "WorkOrderSpec",
    "get_decision",
    "insert_statement",
    "list_decisions",
    "next_decision_status",
    "set_status",
]


class DecisionKind(StrEnum):
    """What a decision changes."""

    MAINTENANCE = "maintenance"
    SCHEDULE = "schedule"


class DecisionStatus(StrEnum):
    """Where a decision is."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    EXPIRED = "expired"
    UNDONE = "undone"


_D = DecisionStatus
DECISION_TRANSITIONS: dict[DecisionStatus, frozenset[DecisionStatus]] = {
    _D.PROPOSED: frozenset({_D.APPROVED, _D.APPLIED, _D.REJECTED, _D.EXPIRED}),
    _D.APPROVED: frozenset({_D.APPLIED, _D.UNDONE}),
    _D.APPLIED: frozenset({_D.UNDONE}),
    _D.REJECTED: frozenset(),
    _D.EXPIRED: frozenset(),
    _D.UNDONE: frozenset(),
}
"""The legal status moves of a decision."""


def next_decision_status(current: DecisionStatus | str, to: DecisionStatus | str) -> DecisionStatus:
    """``to`` if a decision may move there from ``current``; InvalidTransitionError if not."""
    src, dst = DecisionStatus(current), DecisionStatus(to)
    if dst not in DECISION_TRANSITIONS[src]:
        legal = ", ".join(sorted(s.value for s in DECISION_TRANSITIONS[src])) or "none (final)"
        raise InvalidTransitionError(
            f"a decision cannot go from {src.value} to {dst.value}; legal: {legal}"
        )
    return dst


@dataclass(frozen=True, slots=True)
class Alternative:
    """One option considered, with its expected cost and, if it has one, its window."""

    name: str
    expected_cost: float
    start: datetime | None = None
    end: datetime | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class WorkOrderSpec:
    """The work order that applying a maintenance decision creates (window from the choice)."""

    title: str
    kind: WorkOrderKind = WorkOrderKind.PREDICTIVE
    priority: int = 2
    due: datetime | None = None
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """What a decision maker proposes: the engine's input to ``service.propose``.

    ``scope`` is ``"plant"`` or a line id (it selects the autonomy level); ``inputs`` is what
    the decision saw (health, RUL quantiles, costs: any JSON-able mapping); ``chosen`` names
    one of ``alternatives``; ``expected_benefit`` is money saved against the next best
    alternative (``explanation.currency``). A maintenance proposal may carry the work order
    to create; without one, a predictive work order titled from the explanation is made.
    """

    kind: DecisionKind
    scope: str
    machine: str | None
    inputs: Mapping[str, Any]
    alternatives: tuple[Alternative, ...]
    chosen: str
    expected_benefit: float
    explanation: ExplanationInputs = field(default_factory=ExplanationInputs)
    work_order: WorkOrderSpec | None = None

    def choice(self) -> Alternative:
        """The chosen alternative; DataError if ``chosen`` names none of them."""
        for alt in self.alternatives:
            if alt.name == self.chosen:
                return alt
        names = ", ".join(a.name for a in self.alternatives) or "none"
        raise DataError(f"chosen alternative {self.chosen!r} is not among: {names}")


@dataclass(frozen=True, slots=True)
class Decision:
    """A stored decision with its status and history fields."""

    id: str
    ts: datetime
    kind: DecisionKind
    scope: str
    machine: str | None
    status: DecisionStatus
    autonomy: str
    explanation: Explanation
    inputs: dict[str, Any]
    alternatives: tuple[Alternative, ...]
    chosen: str
    expected_benefit: float
    currency: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    fallback: tuple[dict[str, str], ...] = ()
    work_order_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def choice(self) -> Alternative | None:
        """The chosen alternative (None if it was not stored)."""
        return next((a for a in self.alternatives if a.name == self.chosen), None)


_COLUMNS = (
    "id, ts, kind, scope, machine, status, autonomy, explanation_en, explanation_ko, data,"
    " decided_by, decided_at"
)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def encode_data(proposal: Proposal, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document stored in ``decisions.data`` for ``proposal``."""
    spec = proposal.work_order
    return {
        "inputs": dict(proposal.inputs),
        "alternatives": [
            {
                "name": a.name,
                "expected_cost": a.expected_cost,
                "start": _iso(a.start),
                "end": _iso(a.end),
                "description": a.description,
            }
            for a in proposal.alternatives
        ],
        "chosen": proposal.chosen,
        "expected_benefit": proposal.expected_benefit,
        "currency": proposal.explanation.currency,
        "work_order_spec": None
        if spec is None
        else {
            "title": spec.title,
            "kind": spec.kind.value,
            "priority": spec.priority,
            "due": _iso(spec.due),
            "parts": [{"part": p.part, "quantity": p.quantity} for p in spec.parts],
        },
        **extra,
    }


def work_order_spec(decision: Decision) -> WorkOrderSpec | None:
    """The work order spec stored with ``decision`` (None when the proposal gave none)."""
    raw = decision.data.get("work_order_spec")
    if not raw:
        return None
    return WorkOrderSpec(
        title=raw["title"],
        kind=WorkOrderKind(raw["kind"]),
        priority=int(raw["priority"]),
        due=_time(raw.get("due")),
        parts=tuple(Part(p["part"], float(p["quantity"])) for p in raw.get("parts", [])),
    )


def _row(r: Sequence[Any]) -> Decision:
    data = json.loads(r[9] or "{}")
    return Decision(
        id=str(r[0]),
        ts=r[1].astimezone(UTC),
        kind=DecisionKind(r[2]),
        scope=str(r[3]),
        machine=r[4],
        status=DecisionStatus(r[5]),
        autonomy=str(r[6]),
        explanation=Explanation(en=str(r[7]), ko=str(r[8])),
        inputs=dict(data.get("inputs", {})),
        alternatives=tuple(
            Alternative(
                name=a["name"],
                expected_cost=float(a["expected_cost"]),
                start=_time(a.get("start")),
                end=_time(a.get("end")),
                description=a.get("description", ""),
            )
            for a in data.get("alternatives", [])
        ),
        chosen=str(data.get("chosen", "")),
        expected_benefit=float(data.get("expected_benefit", 0.0)),
        currency=str(data.get("currency", "KRW")),
        decided_by=r[10],
        decided_at=r[11].astimezone(UTC) if r[11] is not None else None,
        reason=str(data.get("reason", "")),
        fallback=tuple(data.get("fallback", [])),
        work_order_id=data.get("work_order_id"),
        data=data,
    )


def new_id() -> str:
    """A fresh decision id."""
    return "D-" + uuid.uuid4().hex[:10].upper()


def insert_statement(
    decision_id: str,
    proposal: Proposal,
    *,
    ts: datetime,
    status: DecisionStatus,
    autonomy: str,
    explanation: Explanation,
    data: Mapping[str, Any],
) -> tuple[str, Sequence[object]]:
    """The INSERT of a new decision row, for :meth:`Store.execute_all`."""
    return (
        f"INSERT INTO decisions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            decision_id,
            ts.astimezone(UTC),
            proposal.kind.value,
            proposal.scope,
            proposal.machine,
            status.value,
            autonomy,
            explanation.en,
            explanation.ko,
            json.dumps(dict(data), default=str),
            None,
            None,
        ],
    )


def get_decision(store: Store, decision_id: str) -> Decision:
    """The decision with this id; NotFoundError if none."""
    rows = store.query(f"SELECT {_COLUMNS} FROM decisions WHERE id = ?", [decision_id])
    if not rows:
        raise NotFoundError(f"no decision {decision_id!r}")
    return _row(rows[0])


def list_decisions(
    store: Store,
    *,
    status: DecisionStatus | str | None = None,
    kind: DecisionKind | str | None = None,
    scope: str | None = None,
    machine: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Decision]:
    """Decisions matching every filter given, newest first, one page at a time."""
    if limit < 1 or offset < 0:
        raise DataError("limit must be at least 1 and offset at least 0")
    where: list[str] = []
    params: list[object] = []
    try:
        if status is not None:
            where.append("status = ?")
            params.append(DecisionStatus(status).value)
        if kind is not None:
            where.append("kind = ?")
            params.append(DecisionKind(kind).value)
    except ValueError as err:
        raise DataError(str(err)) from err
    for column, value in (("scope", scope), ("machine", machine)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("ts >= ?")
        params.append(since.astimezone(UTC))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = int(store.query(f"SELECT COUNT(*) FROM decisions{clause}", params)[0][0])
    rows = store.query(
        f"SELECT {_COLUMNS} FROM decisions{clause} ORDER BY ts DESC, id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    )
    return Page(items=[_row(r) for r in rows], total=total, limit=limit, offset=offset)


def set_status(
    store: Store,
    decision: Decision,
    to: DecisionStatus,
    *,
    actor: str,
    now: datetime,
    data: Mapping[str, Any] | None = None,
    decided: bool = False,
) -> Decision:
    """Move ``decision`` to ``to`` (validated), merging ``data`` into its document; audit it.

    ``decided`` records ``actor`` and ``now`` as who decided and when. The update only lands
    if the status is still the one read, so two people answering at once cannot both win.
    """
    dst = next_decision_status(decision.status, to)
    merged = {**decision.data, **dict(data or {})}
    at = now.astimezone(UTC)
    values: dict[str, object] = {"status": dst.value, "data": json.dumps(merged, default=str)}
    if decided:
        values |= {"decided_by": actor, "decided_at": at}
    done = guarded_write(
        store,
        table="decisions",
        record_id=decision.id,
        values=values,
        guard={"status": decision.status.value},
        actor=actor,
        action=f"decision.{dst.value}",
        data={"from": decision.status.value, "to": dst.value, **dict(data or {})},
        ts=at,
    )
    if not done:
        raise InvalidTransitionError(f"decision {decision.id} was answered meanwhile")
    return get_decision(store, decision.id)
