"""``smartfactory workorders``: maintenance work orders from the console.

``list`` (filters ``--machine``, ``--status``, ``--kind``; ``--limit`` / ``--offset``),
``show ID``, ``create``, ``schedule ID``, ``start ID``, ``close ID --failure-mode MODE``,
``cancel ID`` and ``note ID TEXT``: thin adapters over :mod:`smartfactory.decisions.workorders`.
``--json`` prints JSON instead of a table. Changes are audited with the operating-system user
name, or ``--as USER``.

The store is ``--store`` or ``SF_DATABASE`` (a ``postgresql://`` URL, in schema
``SF_PG_SCHEMA``, or a DuckDB file): the one ``smartfactory serve`` uses. Errors end the
command with a message and exit status 2.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from smartfactory.cli.common import open_cli_store
from smartfactory.decisions import workorders as repo
from smartfactory.decisions.workorders import FailureMode, Part, WorkOrder, WorkOrderKind
from smartfactory.errors import DataError

__all__ = ["StoreOpt", "actor_name", "parse_time", "register", "work_order_json"]

workorders_app = typer.Typer(help="Maintenance work orders.", no_args_is_help=True)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="postgresql:// URL or DuckDB file (default: SF_DATABASE).",
        show_default=False,
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (default: the operating-system user).", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[str, typer.Argument(help="Work order id (WO-...).")]


def actor_name(given: str | None) -> str:
    """``given``, else the operating-system user name (``cli`` if it cannot be found)."""
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time with its offset (``2026-12-01T06:00+09:00``), or None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise DataError(f"{option}: {value!r} is not an ISO 8601 time") from err
    if parsed.tzinfo is None:
        raise DataError(f"{option}: {value!r} needs an offset, e.g. +09:00")
    return parsed


def _part(text: str) -> Part:
    name, _, qty = text.rpartition(":")
    if not name:
        return Part(text, 1.0)
    try:
        return Part(name, float(qty))
    except ValueError as err:
        raise DataError(f"--part {text!r}: use NAME or NAME:QUANTITY") from err


def work_order_json(wo: WorkOrder) -> dict[str, Any]:
    """A work order as plain JSON values."""
    data = asdict(wo)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    data["notes"] = [{**n, "ts": n["ts"].isoformat()} for n in data["notes"]]
    data["kind"] = wo.kind.value
    data["status"] = wo.status.value
    data["failure_mode"] = wo.failure_mode.value if wo.failure_mode else None
    return data


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="minutes") if value is not None else "-"


def _print(wo: WorkOrder, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(work_order_json(wo), indent=2, ensure_ascii=False))
        return
    table = Table(show_header=False, title=f"{wo.id} · {escape(wo.title)}")
    rows = [
        ("machine", wo.machine), ("kind", wo.kind.value), ("status", wo.status.value),
        ("priority", str(wo.priority)), ("due", _when(wo.due)),
        ("window", f"{_when(wo.scheduled_start)} – {_when(wo.scheduled_end)}"),
        ("assignee", wo.assignee or "-"),
        ("parts", ", ".join(f"{p.part} × {p.quantity:g}" for p in wo.parts) or "-"),
        ("time spent", f"{wo.time_spent_h:g} h"),
        ("failure mode", wo.failure_mode.value if wo.failure_mode else "-"),
        ("decision", wo.decision_id or "-"), ("created by", wo.created_by or "-"),
    ]  # fmt: skip
    for name, value in rows:
        table.add_row(name, escape(value))
    for note in wo.notes:
        table.add_row(f"note {_when(note.ts)}", escape(f"{note.author}: {note.text}"))
    Console(soft_wrap=True).print(table)


@workorders_app.command("list")
def list_command(
    store: StoreOpt = None,
    machine: Annotated[str | None, typer.Option(help="Only this machine.")] = None,
    status: Annotated[
        str | None, typer.Option(help="open|scheduled|in_progress|done|cancelled")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="preventive|corrective|predictive|inspection")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Work orders to show.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Work orders to skip (newest first).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List work orders, newest first."""
    with open_cli_store(store) as db:
        page = repo.list_work_orders(
            db, machine=machine, status=status, kind=kind, limit=limit, offset=offset
        )
    if as_json:
        body = {
            "items": [work_order_json(w) for w in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    table = Table(
        Column("id", no_wrap=True), "machine", "kind", "status", "prio", "window start",
        "assignee", "title", caption=f"{len(page.items)} of {page.total}",
    )  # fmt: skip
    for w in page.items:
        table.add_row(
            w.id, escape(w.machine), w.kind.value, w.status.value, str(w.priority),
            _when(w.scheduled_start), escape(w.assignee or "-"), escape(w.title),
        )  # fmt: skip
    Console(soft_wrap=True).print(table)


@workorders_app.command("show")
def show_command(work_order_id: IdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Show one work order with its notes."""
    with open_cli_store(store) as db:
        wo = repo.get(db, work_order_id)
    _print(wo, as_json)


@workorders_app.command("create")
def create_command(
    machine: Annotated[str, typer.Option(help="Machine id.")],
    title: Annotated[str, typer.Option(help="What to do.")],
    kind: Annotated[
        str, typer.Option(help="preventive|corrective|predictive|inspection")
    ] = WorkOrderKind.CORRECTIVE.value,
    priority: Annotated[int, typer.Option(min=1, max=5, help="1 (highest) to 5.")] = 3,
    due: Annotated[str | None, typer.Option(help="Due time, ISO 8601 with offset.")] = None,
    start: Annotated[str | None, typer.Option(help="Window start (schedules it).")] = None,
    end: Annotated[str | None, typer.Option(help="Window end.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Who does the work.")] = None,
    part: Annotated[
        list[str] | None, typer.Option(help="NAME or NAME:QUANTITY; repeat for more.")
    ] = None,
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a work order (scheduled when --start and --end are given)."""
    with open_cli_store(store) as db:
        wo = repo.create(
            db,
            machine=machine,
            kind=kind,
            title=title,
            actor=actor_name(actor),
            now=datetime.now(UTC),
            priority=priority,
            due=parse_time(due, "--due"),
            scheduled_start=parse_time(start, "--start"),
            scheduled_end=parse_time(end, "--end"),
            assignee=assignee,
            parts=[_part(p) for p in part or []],
        )
    _print(wo, as_json)


@workorders_app.command("schedule")
def schedule_command(
    work_order_id: IdArg,
    start: Annotated[str, typer.Option(help="Window start, ISO 8601 with offset.")],
    end: Annotated[str, typer.Option(help="Window end.")],
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give an open work order its window."""
    with open_cli_store(store) as db:
        begin, finish = parse_time(start, "--start"), parse_time(end, "--end")
        assert begin is not None and finish is not None  # noqa: S101 - required options
        wo = repo.schedule(
            db, work_order_id, begin, finish, actor=actor_name(actor), now=datetime.now(UTC)
        )
    _print(wo, as_json)


@workorders_app.command("start")
def start_command(
    work_order_id: IdArg, store: StoreOpt = None, actor: ActorOpt = None, as_json: JsonOpt = False
) -> None:
    """Start the work."""
    with open_cli_store(store) as db:
        wo = repo.start(db, work_order_id, actor=actor_name(actor), now=datetime.now(UTC))
    _print(wo, as_json)


@workorders_app.command("close")
def close_command(
    work_order_id: IdArg,
    failure_mode: Annotated[str, typer.Option(help="|".join(m.value for m in FailureMode))],
    hours: Annotated[float | None, typer.Option(min=0, help="Time spent, hours.")] = None,
    note: Annotated[str, typer.Option(help="A closing note.")] = "",
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Finish the work, recording the failure mode found."""
    with open_cli_store(store) as db:
        wo = repo.close(
            db, work_order_id, failure_mode, actor=actor_name(actor), now=datetime.now(UTC),
            time_spent_h=hours, note=note,
        )  # fmt: skip
    _print(wo, as_json)


@workorders_app.command("cancel")
def cancel_command(
    work_order_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why (kept as a note).")] = "",
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a work order that is not finished."""
    with open_cli_store(store) as db:
        wo = repo.cancel(
            db, work_order_id, actor=actor_name(actor), now=datetime.now(UTC), reason=reason
        )
    _print(wo, as_json)


@workorders_app.command("note")
def note_command(
    work_order_id: IdArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    store: StoreOpt = None,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Append a note."""
    with open_cli_store(store) as db:
        wo = repo.add_note(db, work_order_id, text, actor=actor_name(actor), now=datetime.now(UTC))
    _print(wo, as_json)


def register(app: typer.Typer) -> None:
    """Add the ``workorders`` command group to ``app``."""
    app.add_typer(workorders_app, name="workorders")
