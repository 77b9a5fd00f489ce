"""``smartfactory export`` and ``smartfactory import-store``: a whole plant between stores.

``export --store SRC DIR`` writes every table of the store (a DuckDB file or a
``postgresql://`` URL) to Parquet files in ``DIR`` with a manifest of row counts and
checksums; ``import-store DIR --store DST`` writes them into another store and verifies the
result against the manifest. Both stream in batches and show a Rich progress bar on stderr.
(``smartfactory import FILE`` stays the importer of CSV/Parquet history files.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from smartfactory.cli.common import open_database
from smartfactory.errors import FactoryError
from smartfactory.store.export import ExportSummary, export_store, import_store

__all__ = ["register"]

StoreOption = Annotated[str, typer.Option("--store", help="DuckDB file or postgresql:// URL.")]
SchemaOption = Annotated[str, typer.Option(help="PostgreSQL schema.")]
BatchOption = Annotated[int, typer.Option(min=1, help="Rows per batch.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


@contextmanager
def _bar(err: Console) -> Iterator[Callable[[str, int, int], None]]:
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(),
        console=err, transient=True,
    ) as bar:  # fmt: skip

        def update(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done, total=max(total, done))

        yield update


def _print(summary: ExportSummary, verb: str, as_json: bool) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "directory": str(summary.directory),
                    "rows": summary.rows,
                    "checksums": summary.checksums,
                }
            )
        )
        return
    out = Console()
    for table, rows in summary.rows.items():
        out.print(f"  {table:<16} {rows:>12,} rows  {summary.checksums[table]}", highlight=False)
    out.print(f"{verb} {sum(summary.rows.values()):,} rows; counts and checksums verified")


def export(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Folder to write.")],
    store: StoreOption,
    schema: SchemaOption = "smartfactory",
    batch_rows: BatchOption = 100_000,
    as_json: JsonFlag = False,
) -> None:
    """Export a whole plant (every table) from a store to Parquet files."""
    err = Console(stderr=True)
    try:
        db = open_database(store, schema)
        try:
            with _bar(err) as progress:
                summary = export_store(db, directory, batch_rows=batch_rows, progress=progress)
        finally:
            db.close()
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    _print(summary, f"exported to {directory}:", as_json)


def import_store_command(
    directory: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder written by export.")
    ],
    store: StoreOption,
    schema: SchemaOption = "smartfactory",
    batch_rows: BatchOption = 100_000,
    as_json: JsonFlag = False,
) -> None:
    """Import a whole plant exported by ``smartfactory export`` into a (new, empty) store."""
    err = Console(stderr=True)
    try:
        db = open_database(store, schema)
        try:
            with _bar(err) as progress:
                summary = import_store(directory, db, batch_rows=batch_rows, progress=progress)
        finally:
            db.close()
    except FactoryError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    _print(summary, "imported", as_json)


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import-store`` to ``app``."""
    app.command("export")(export)
    app.command("import-store")(import_store_command)
