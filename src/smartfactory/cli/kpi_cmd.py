"""``smartfactory kpi``: production KPIs from files (``kpi oee``).

``kpi oee`` reads exported MES data (machines, state intervals, counts), prints one JSON
object with ``--json`` or a table otherwise, and writes warnings (performance above 1) to
stderr. A bad file ends the command with exit status 2 and a message naming the file, the
line and the problem.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smartfactory.errors import FactoryError
from smartfactory.kpi.files import parse_time
from smartfactory.kpi.offline import MachineKpis, OeeReport, oee_from_files

__all__ = ["register"]

kpi_app = typer.Typer(help="Production KPIs (ISO 22400): OEE, losses, reliability.")

CsvPath = Annotated[Path, typer.Option(dir_okay=False, help="CSV file.")]


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as err:
        msg = f"{option}: {err}"
        raise FactoryError(msg) from err


def _fmt(value: float | None, pct: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if pct else f"{value:,.0f}"


def _table(report: OeeReport) -> Table:
    table = Table("machine", "A", "P", "Q", "OEE", "PBT s", "APT s", "PQ", "GQ", "failures")
    rows: list[tuple[str, MachineKpis]] = [*report.machines.items(), ("total", report.total)]
    for name, k in rows:
        table.add_row(
            name,
            _fmt(k.availability, True),
            _fmt(k.performance, True),
            _fmt(k.quality, True),
            _fmt(k.oee, True),
            _fmt(k.pbt_s),
            _fmt(k.apt_s),
            str(k.pq),
            str(k.gq),
            str(k.failures),
        )
    return table


@kpi_app.command("oee")
def oee(
    machines: Annotated[Path, typer.Option("--machines", help="machine,ideal_cycle_s")],
    states: Annotated[Path, typer.Option("--states", help="machine,start,end,state[,reason]")],
    counts: Annotated[Path, typer.Option("--counts", help="machine,timestamp,good,scrap")],
    start: Annotated[
        str | None, typer.Option("--from", help="Window start, ISO 8601 with offset.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Window end (exclusive).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """OEE, availability, performance, quality, MTBF and MTTR per machine and in total."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        result = oee_from_files(
            machines, states, counts, _time(start, "--from"), _time(end, "--to")
        )
    except FactoryError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    if as_json:
        typer.echo(result.report.model_dump_json())
    else:
        Console().print(_table(result.report))


def register(app: typer.Typer) -> None:
    """Add the ``kpi`` command group to ``app``."""
    app.add_typer(kpi_app, name="kpi")
