"""``smartfactory quarantine``: the payloads the connectors rejected, and clearing them.

A thin adapter over :mod:`smartfactory.connectors.quarantine`. ``quarantine list`` shows the
newest kept entries (filtered by ``--source`` and ``--reason``, at most ``--limit``) and the
counts per source and reason (exact, also for entries trimmed from the table); with ``--json``
it prints one object ``{"entries": [...], "counts": [...]}`` (payloads as text when they are
UTF-8, else base64). ``quarantine clear`` deletes entries and their counts (all, or of one
source / reason). ``--store`` is a DuckDB file or a ``postgresql://`` URL (default: the
workspace's ``simulation.duckdb``). Store errors end the command with exit status 2.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smartfactory.connectors import quarantine as repo
from smartfactory.connectors.quarantine import QuarantineEntry, Reason
from smartfactory.errors import FactoryError
from smartfactory.settings import get_settings
from smartfactory.store import open_store
from smartfactory.store.base import Store

__all__ = ["entry_json", "register"]

quarantine_app = typer.Typer(help="Rejected connector input: list and clear the quarantine.")

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="DuckDB file or postgresql:// URL (default: the workspace's)."),
]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="Only this source (or 'source:' prefix).")
]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help=f"Only this reason: {'|'.join(Reason)}.")
]


def entry_json(entry: QuarantineEntry) -> dict[str, Any]:
    """One entry as JSON: the payload as text when it is UTF-8, else base64."""
    try:
        payload, encoding = entry.payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        payload, encoding = base64.b64encode(entry.payload).decode("ascii"), "base64"
    return {
        "id": entry.id,
        "ts": entry.ts.isoformat(),
        "source": entry.source,
        "reason": str(entry.reason),
        "detail": entry.detail,
        "payload": payload,
        "payload_encoding": encoding,
    }


@contextmanager
def _store(location: str | None) -> Iterator[Store]:
    err = Console(stderr=True, soft_wrap=True)
    try:
        db = open_store(location or str(get_settings().workspace / "simulation.duckdb"))
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    try:
        yield db
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    finally:
        db.close()


def _reason(value: str | None) -> str | None:
    if value is not None and value not in set(Reason):
        Console(stderr=True).print(
            f"[bold red]error:[/] --reason must be one of {', '.join(Reason)}", highlight=False
        )
        raise typer.Exit(2)
    return value


@quarantine_app.command("list")
def list_entries(
    store: StoreOpt = None,
    source: SourceOpt = None,
    reason: ReasonOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="Entries to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Entries to skip (newest first).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the newest rejected payloads and the counts per source and reason."""
    why = _reason(reason)
    with _store(store) as db:
        rows = repo.entries(db, source=source, reason=why, limit=limit, offset=offset)
        tally = repo.counts(db, source=source, reason=why)
    if as_json:
        report = {
            "entries": [entry_json(e) for e in rows],
            "counts": [
                {"source": c.source, "reason": c.reason, "count": c.count, "kept": c.kept}
                for c in tally
            ],
        }
        typer.echo(json.dumps(report, indent=2))
        return
    out = Console(soft_wrap=True)
    table = Table("time", "source", "reason", "detail", "payload")
    for e in rows:
        shown = entry_json(e)["payload"]
        table.add_row(
            e.ts.isoformat(timespec="seconds"), escape(e.source), str(e.reason),
            escape(e.detail[:80]), escape(str(shown)[:60]),
        )  # fmt: skip
    out.print(table)
    counts = Table("source", "reason", "count", "kept")
    for c in tally:
        counts.add_row(escape(c.source), c.reason, str(c.count), str(c.kept))
    out.print(counts)


@quarantine_app.command("clear")
def clear_entries(
    store: StoreOpt = None, source: SourceOpt = None, reason: ReasonOpt = None
) -> None:
    """Delete rejected payloads and their counts (all, or of one source / reason)."""
    why = _reason(reason)
    with _store(store) as db:
        deleted = repo.clear(db, source=source, reason=why)
    typer.echo(f"{deleted} quarantine entries deleted")


def register(app: typer.Typer) -> None:
    """Add the ``quarantine`` command group to ``app``."""
    app.add_typer(quarantine_app, name="quarantine")
