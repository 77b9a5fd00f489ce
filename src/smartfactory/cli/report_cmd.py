"""``smartfactory report``: the monthly production report as HTML or PDF, with charts.

``smartfactory report --month 2026-02 --format pdf --lang ko`` writes
``report-2026-02-ko.pdf`` (or ``--out FILE``) from the store's data, comparing the month with
the one before (or ``--baseline YYYY-MM``); ``--json`` prints the figures instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from smartfactory.cli.common import open_cli_store, plant_for
from smartfactory.errors import FactoryError
from smartfactory.reports import monthly_report, parse_month, render_html, render_pdf
from smartfactory.settings import get_settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``report`` to the application."""

    @app.command("report")
    def report_cmd(
        month: Annotated[str, typer.Option(help="The month to report, YYYY-MM.")],
        baseline: Annotated[
            str | None, typer.Option(help="Baseline month YYYY-MM (default: the one before).")
        ] = None,
        fmt: Annotated[
            Literal["html", "pdf"], typer.Option("--format", help="html or pdf.")
        ] = "html",
        lang: Annotated[str, typer.Option(help="en or ko.")] = "en",
        out: Annotated[Path | None, typer.Option(help="Output file.")] = None,
        store: Annotated[
            str | None,
            typer.Option(help="Store file or postgresql:// URL (default: SF_DATABASE)."),
        ] = None,
        config: Annotated[
            Path | None, typer.Option(exists=True, dir_okay=False, help="Plant file.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    ) -> None:
        """Write the monthly report: OEE, losses, quality, maintenance, delivery, PQCD deltas."""
        if lang not in ("en", "ko"):
            msg = f"--lang must be en or ko, not {lang!r}"
            raise FactoryError(msg)
        the_month = parse_month(month)
        base = parse_month(baseline) if baseline else None
        plant = plant_for(config)
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
        ) as progress:
            task = progress.add_task(f"computing {the_month} figures", total=None)
            fallback = get_settings().workspace / "simulation.duckdb"
            with open_cli_store(store, fallback=fallback) as db:
                report = monthly_report(db, plant, the_month, base, language=lang)
            if as_json:
                typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
                return
            progress.update(task, description=f"rendering {fmt.upper()}")
            target = out or Path(f"report-{the_month}-{lang}.{fmt}")
            if fmt == "pdf":
                target.write_bytes(render_pdf(report, lang))
            else:
                target.write_text(render_html(report, lang), encoding="utf-8")
        console.print(f"wrote {target} ({target.stat().st_size / 1024:,.0f} KiB)")
