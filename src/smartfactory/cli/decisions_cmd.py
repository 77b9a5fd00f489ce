"""``smartfactory decisions`` and ``smartfactory autonomy``: the decision inbox and its levels.

``decisions list`` (filters ``--status``, ``--kind``, ``--scope``, ``--machine``), ``show ID``
(``--lang ko`` for the Korean explanation), ``approve ID`` (applies it: a maintenance decision
creates its work order), ``reject ID --reason TEXT`` and ``undo ID``. ``autonomy show
[SCOPE]`` prints the levels and guardrails; ``autonomy set SCOPE LEVEL`` changes them
(``--max-changes-per-day``, ``--frozen-horizon-h``, ``--crews``). Thin adapters over
:mod:`smartfactory.decisions.service` and :mod:`~smartfactory.decisions.autonomy`; the store,
the acting user (``--as``) and ``--json`` work as in ``smartfactory workorders``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from smartfactory.cli.common import open_cli_store, plant_for
from smartfactory.cli.workorders_cmd import StoreOpt, actor_name
from smartfactory.decisions import autonomy, service
from smartfactory.decisions.autonomy import PLANT_SCOPE, AutonomyLevel, AutonomySettings
from smartfactory.decisions.log import Decision, get_decision, list_decisions
from smartfactory.decisions.planning import Planner
from smartfactory.decisions.replanning import app_appliers
from smartfactory.errors import DataError

__all__ = ["decision_json", "register"]

decisions_app = typer.Typer(help="Maintenance and schedule decisions.", no_args_is_help=True)
autonomy_app = typer.Typer(help="Autonomy levels and guardrails per plant or line.",
                           no_args_is_help=True)  # fmt: skip

ActorOpt = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (default: the operating-system user).", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", exists=True, dir_okay=False, help="Plant file (re-planning)."),
]
IdArg = Annotated[str, typer.Argument(help="Decision id (D-...).")]
LangOpt = Annotated[str, typer.Option("--lang", help="Explanation language: en or ko.")]


def decision_json(d: Decision) -> dict[str, Any]:
    """A decision as plain JSON values."""
    return {
        "id": d.id,
        "ts": d.ts.isoformat(),
        "kind": d.kind.value,
        "scope": d.scope,
        "machine": d.machine,
        "status": d.status.value,
        "autonomy": d.autonomy,
        "explanation": {"en": d.explanation.en, "ko": d.explanation.ko},
        "inputs": d.inputs,
        "alternatives": [
            {
                "name": a.name,
                "expected_cost": a.expected_cost,
                "start": a.start.isoformat() if a.start else None,
                "end": a.end.isoformat() if a.end else None,
                "description": a.description,
            }
            for a in d.alternatives
        ],
        "chosen": d.chosen,
        "expected_benefit": d.expected_benefit,
        "currency": d.currency,
        "decided_by": d.decided_by,
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "reason": d.reason,
        "fallback": list(d.fallback),
        "work_order_id": d.work_order_id,
    }


def _print(d: Decision, as_json: bool, lang: str = "en") -> None:
    if as_json:
        typer.echo(json.dumps(decision_json(d), indent=2, ensure_ascii=False))
        return
    table = Table(show_header=False, title=f"{d.id} · {d.kind.value} · {d.status.value}")
    table.add_row("scope", escape(d.scope))
    table.add_row("machine", escape(d.machine or "-"))
    table.add_row("autonomy", d.autonomy)
    table.add_row("explanation", escape(d.explanation.get(lang)))
    for alt in d.alternatives:
        mark = "→ " if alt.name == d.chosen else "  "
        table.add_row(f"{mark}{escape(alt.name)}", f"{alt.expected_cost:,.0f} {d.currency}")
    table.add_row("benefit", f"{d.expected_benefit:,.0f} {d.currency}")
    if d.decided_by:
        table.add_row("decided", f"{escape(d.decided_by)} at {d.decided_at:%Y-%m-%d %H:%M} UTC")
    if d.reason:
        table.add_row("reason", escape(d.reason))
    if d.work_order_id:
        table.add_row("work order", d.work_order_id)
    Console(soft_wrap=True).print(table)


def _lang(value: str) -> str:
    if value not in ("en", "ko"):
        raise DataError("--lang must be en or ko")
    return value


@decisions_app.command("list")
def list_command(
    store: StoreOpt = None,
    status: Annotated[
        str | None, typer.Option(help="proposed|approved|rejected|applied|expired|undone")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="maintenance|schedule")] = None,
    scope: Annotated[str | None, typer.Option(help="'plant' or a line id.")] = None,
    machine: Annotated[str | None, typer.Option(help="Only this machine.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Decisions to show.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Decisions to skip (newest first).")] = 0,
    lang: LangOpt = "en",
    as_json: JsonOpt = False,
) -> None:
    """List decisions, newest first (``--status proposed``: the ones awaiting an answer)."""
    with open_cli_store(store) as db:
        _lang(lang)
        page = list_decisions(
            db, status=status, kind=kind, scope=scope, machine=machine, limit=limit, offset=offset
        )
    if as_json:
        body = {
            "items": [decision_json(d) for d in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    table = Table(
        Column("id", no_wrap=True), "time (UTC)", "kind", "scope", "machine", "status",
        "explanation", caption=f"{len(page.items)} of {page.total}",
    )  # fmt: skip
    for d in page.items:
        table.add_row(
            d.id, f"{d.ts:%Y-%m-%d %H:%M}", d.kind.value, escape(d.scope),
            escape(d.machine or "-"), d.status.value, escape(d.explanation.get(lang)),
        )  # fmt: skip
    Console(soft_wrap=True).print(table)


@decisions_app.command("show")
def show_command(
    decision_id: IdArg, store: StoreOpt = None, lang: LangOpt = "en", as_json: JsonOpt = False
) -> None:
    """Show one decision: what it saw, the alternatives, the explanation."""
    with open_cli_store(store) as db:
        d = get_decision(db, decision_id)
        _print(d, as_json, _lang(lang))


@decisions_app.command("approve")
def approve_command(
    decision_id: IdArg,
    store: StoreOpt = None,
    actor: ActorOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a proposed decision, which applies it (maintenance: work order and re-plan)."""
    appliers = app_appliers(Planner(plant_for(config)))
    with open_cli_store(store) as db:
        d = service.approve(
            db, decision_id, actor=actor_name(actor), now=datetime.now(UTC), appliers=appliers
        )
    _print(d, as_json)


@decisions_app.command("reject")
def reject_command(
    decision_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why it is rejected.")],
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reject a proposed decision, saying why."""
    with open_cli_store(store) as db:
        d = service.reject(db, decision_id, reason, actor=actor_name(actor), now=datetime.now(UTC))
    _print(d, as_json)


@decisions_app.command("undo")
def undo_command(
    decision_id: IdArg,
    store: StoreOpt = None,
    actor: ActorOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo an applied decision (cancels its work order if not started, and re-plans)."""
    appliers = app_appliers(Planner(plant_for(config)))
    with open_cli_store(store) as db:
        d = service.undo(
            db, decision_id, actor=actor_name(actor), now=datetime.now(UTC), appliers=appliers
        )
    _print(d, as_json)


def _settings_json(scope: str, s: AutonomySettings, own: bool) -> dict[str, Any]:
    return {
        "scope": scope,
        "level": s.level.value,
        "frozen_horizon_h": s.frozen_horizon_h,
        "max_changes_per_day": s.max_changes_per_day,
        "crew_capacity": s.crew_capacity,
        "inherited_from": None if own else (s.scope if s.updated is not None else "default"),
        "updated": s.updated.isoformat() if s.updated else None,
        "updated_by": s.updated_by,
    }


@autonomy_app.command("show")
def autonomy_show(
    scope: Annotated[
        str | None, typer.Argument(help="'plant' or a line id (default: all set).")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the autonomy level and guardrails of a scope, or of every scope that has its own."""
    with open_cli_store(store) as db:
        if scope is None:
            own = autonomy.list_settings(db)
            if not any(s.scope == PLANT_SCOPE for s in own):
                own.insert(0, autonomy.effective_settings(db, PLANT_SCOPE))
            rows = [_settings_json(s.scope, s, s.updated is not None) for s in own]
        else:
            found = autonomy.get_settings(db, scope)
            s = found or autonomy.effective_settings(db, scope)
            rows = [_settings_json(scope, s, found is not None)]
    if as_json:
        typer.echo(json.dumps(rows if scope is None else rows[0], indent=2))
        return
    table = Table("scope", "level", "frozen horizon h", "max changes/day", "crews", "from")
    for r in rows:
        table.add_row(
            escape(r["scope"]), r["level"], f"{r['frozen_horizon_h']:g}",
            str(r["max_changes_per_day"]), str(r["crew_capacity"]),
            r["inherited_from"] or "own",
        )  # fmt: skip
    Console(soft_wrap=True).print(table)


@autonomy_app.command("set")
def autonomy_set(
    scope: Annotated[str, typer.Argument(help="'plant' or a line id.")],
    level: Annotated[str, typer.Argument(help="advise|approve|autonomous")],
    max_changes_per_day: Annotated[
        int | None, typer.Option(min=0, help="Autonomous changes per 24 h.")
    ] = None,
    frozen_horizon_h: Annotated[
        float | None, typer.Option(min=0, help="Hours ahead no autonomous change may touch.")
    ] = None,
    crews: Annotated[
        int | None, typer.Option(min=1, help="Maintenance crews (overlapping jobs).")
    ] = None,
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the autonomy level (and guardrails) of a scope; unset guardrails keep their values."""
    with open_cli_store(store) as db:
        try:
            wanted = AutonomyLevel(level)
        except ValueError as err:
            raise DataError(f"level must be advise, approve or autonomous, not {level!r}") from err
        base = autonomy.effective_settings(db, scope)
        settings = replace(
            base,
            scope=scope,
            level=wanted,
            max_changes_per_day=base.max_changes_per_day
            if max_changes_per_day is None
            else max_changes_per_day,
            frozen_horizon_h=base.frozen_horizon_h
            if frozen_horizon_h is None
            else frozen_horizon_h,
            crew_capacity=base.crew_capacity if crews is None else crews,
        )
        stored = autonomy.set_settings(db, settings, actor=actor_name(actor), now=datetime.now(UTC))
    row = _settings_json(scope, stored, True)
    if as_json:
        typer.echo(json.dumps(row, indent=2))
        return
    Console(soft_wrap=True, highlight=False).print(
        f"{escape(scope)}: {row['level']} (frozen horizon {row['frozen_horizon_h']:g} h, "
        f"max {row['max_changes_per_day']} changes/day, {row['crew_capacity']} crew(s))"
    )


def register(app: typer.Typer) -> None:
    """Add the ``decisions`` and ``autonomy`` command groups to ``app``."""
    app.add_typer(decisions_app, name="decisions")
    app.add_typer(autonomy_app, name="autonomy")
