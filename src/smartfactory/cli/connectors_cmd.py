"""``smartfactory connectors``: the connector kinds installed, and browsing a peer.

``connectors list`` shows every registered kind with its capabilities. ``connectors browse URL``
lists the variables an OPC UA server (``opc.tcp://``) offers, as a table or with ``--json`` as
a JSON array; for a Modbus URL it says the protocol cannot browse. Any connector error (peer
unreachable, protocol without browse) ends the command with a message and exit status 2.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smartfactory.connectors import discover
from smartfactory.connectors.discovery import browse_url
from smartfactory.errors import FactoryError

__all__ = ["register"]

connectors_app = typer.Typer(help="Connectors: installed kinds, browsing machines.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(err: FactoryError) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(str(err))}", highlight=False
    )
    return typer.Exit(2)


@connectors_app.command("list")
def list_kinds(as_json: JsonFlag = False) -> None:
    """Show the registered connector kinds and what each can do."""
    try:
        registry = discover()
    except FactoryError as err:
        raise _fail(err) from err
    rows = [
        {
            "kind": kind,
            "title": registry.info(kind).title,
            "capabilities": sorted(str(c) for c in registry.info(kind).capabilities),
            "description": registry.info(kind).description,
        }
        for kind in registry
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("kind", "title", "capabilities", "description")
    for row in rows:
        table.add_row(
            str(row["kind"]),
            escape(str(row["title"])),
            ", ".join(row["capabilities"]),
            escape(str(row["description"])),
        )
    Console().print(table)


@connectors_app.command("browse")
def browse(
    url: Annotated[str, typer.Argument(help="opc.tcp://host:port[/path]")],
    depth: Annotated[int, typer.Option(min=1, max=64, help="Levels below Objects.")] = 8,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per request.")] = 5.0,
    username: Annotated[str | None, typer.Option(help="OPC UA user name.")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="SF_OPCUA_PASSWORD", help="Password (or the env var).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the variables a server offers: browse path, node id and data type."""
    try:
        found = asyncio.run(
            browse_url(url, depth=depth, timeout_s=timeout, username=username, password=password)
        )
    except FactoryError as err:
        raise _fail(err) from err
    rows = [
        {"path": t.description or t.tag, "node_id": t.address, "data_type": t.data_type}
        for t in found
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("browse path", "node id", "data type")
    for row in rows:
        table.add_row(escape(row["path"]), escape(row["node_id"]), escape(row["data_type"]))
    Console().print(table)
    Console(stderr=True, soft_wrap=True).print(
        f"{len(rows)} variable(s) at {escape(url)}", highlight=False
    )


def register(app: typer.Typer) -> None:
    """Add the ``connectors`` command group to ``app``."""
    app.add_typer(connectors_app, name="connectors")
