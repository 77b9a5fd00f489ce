"""``smartfactory import FILE``: CSV or Parquet history into the store.

A thin adapter over :func:`smartfactory.connectors.files.import_file`: it opens the store,
shows a Rich progress bar on stderr, and prints the summary of rows and values taken and
rejected (by reason). Rejected rows and cells go to ``<store>.quarantine-<file>.csv`` next to
the store. A bad argument or file ends the command with a message and exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from smartfactory.connectors.files import ImportSummary, import_file
from smartfactory.errors import FactoryError
from smartfactory.store import open_store

__all__ = ["quarantine_path", "register"]


def quarantine_path(store: Path, file: Path) -> Path:
    """Where the rejections of importing ``file`` into ``store`` are written."""
    return store.with_name(f"{store.stem}.quarantine-{file.stem}.csv")


def _report(summary: ImportSummary) -> dict[str, object]:
    return {
        "file": str(summary.file),
        "signals": summary.signals,
        "rows_read": summary.rows_read,
        "rows_taken": summary.rows_taken,
        "rows_rejected": summary.rows_rejected,
        "values_taken": summary.values_taken,
        "values_rejected": summary.values_rejected,
        "values_missing": summary.values_missing,
        "stored": summary.stored,
        "duplicates": summary.duplicates,
        "rejected_by_reason": dict(sorted(summary.rejected_by_reason.items())),
        "skipped_columns": summary.skipped_columns,
        "quarantine": str(summary.quarantine) if summary.quarantine else None,
    }


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet.")],
    machine: Annotated[str, typer.Option(help="Machine the signals belong to.")],
    time_column: Annotated[str, typer.Option(help="Column holding the timestamps.")],
    store: Annotated[Path, typer.Option(dir_okay=False, help="The store (DuckDB file).")],
    columns: Annotated[
        str | None, typer.Option(help="Comma-separated value columns (default: all).")
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or parquet (default: by suffix).")
    ] = None,
    tz: Annotated[str, typer.Option(help="Time zone of times without an offset.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import history from a CSV or Parquet file into the store."""
    err = Console(stderr=True, soft_wrap=True)
    if file_format not in (None, "csv", "parquet"):
        err.print(f"[bold red]error:[/] --format must be csv or parquet, not {file_format!r}")
        raise typer.Exit(2)
    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    try:
        db = open_store(store)
        try:
            with Progress(
                TextColumn("importing"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(), console=err, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("import", total=None)
                summary = import_file(
                    file,
                    db,
                    machine=machine,
                    time_column=time_column,
                    quarantine=quarantine_path(store, file),
                    columns=wanted,
                    fmt="csv" if file_format == "csv" else "parquet" if file_format else None,
                    tz=tz,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        finally:
            db.close()
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    report = _report(summary)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    out = Console()
    out.print(
        f"{summary.rows_read} rows read: {summary.rows_taken} taken, "
        f"{summary.rows_rejected} rejected; {summary.values_taken} values taken "
        f"({summary.stored} new, {summary.duplicates} already stored), "
        f"{summary.values_rejected} rejected, {summary.values_missing} missing",
        highlight=False,
    )
    for reason, count in sorted(summary.rejected_by_reason.items()):
        out.print(f"  rejected, {escape(reason)}: {count}", highlight=False)
    for name, why in summary.skipped_columns.items():
        out.print(f"  column {escape(name)} skipped: {escape(why)}", highlight=False)
    if summary.quarantine is not None:
        out.print(f"rejections written to {escape(str(summary.quarantine))}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``import`` command to ``app``."""
    app.command("import")(import_command)
