"""``smartfactory bench``: the product's benchmarks on public data sets (``cmapss``, ``anomaly``).

``bench anomaly`` runs the SKAB-format anomaly protocol (see
:mod:`smartfactory.maintenance.anomaly.benchmark`) and prints
``{"files", "f1", "far", "mar", "nab_standard", "nab_low_fp", "nab_low_fn"}`` with ``--json``.

``bench cmapss`` runs the standard C-MAPSS protocol (see
:mod:`smartfactory.maintenance.rul.benchmark`) and prints one JSON object with ``--json``
(``{"subsets": {"FD001": {"rmse_mean", "rmse_std", "score_mean", "train_s"}, ...}}``) or a
table otherwise. Progress goes to stderr, so stdout stays machine-readable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from smartfactory.cli import bench_api, bench_ingest, bench_scheduling
from smartfactory.errors import ConfigError
from smartfactory.maintenance.anomaly.benchmark import bench_anomaly
from smartfactory.maintenance.rul.benchmark import SeedResult, bench_cmapss
from smartfactory.maintenance.rul.cmapss import SUBSETS, default_cmapss_dir

__all__ = ["register"]

bench_app = typer.Typer(help="Benchmarks on public data sets; each prints one JSON object.")
bench_scheduling.register(bench_app)
bench_ingest.register(bench_app)
bench_api.register(bench_app)


def _subsets(value: str) -> list[str]:
    if value.lower() == "all":
        return list(SUBSETS)
    chosen = [s.strip().upper() for s in value.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SUBSETS]
    if unknown or not chosen:
        msg = f"--subset: unknown {', '.join(unknown) or value!r}; use {'|'.join(SUBSETS)}|all"
        raise ConfigError(msg)
    return chosen


@bench_app.command("cmapss")
def cmapss(
    data: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="C-MAPSS folder (default: $SF_CMAPSS_DIR or shared)."),
    ] = None,
    subset: Annotated[str, typer.Option(help="FD001|FD002|FD003|FD004|all (or a list)")] = "all",
    seeds: Annotated[int, typer.Option(min=1, help="Seeds to average over.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Remaining-useful-life accuracy on NASA C-MAPSS (standard protocol, capped at 125)."""
    names = _subsets(subset)
    folder = data if data is not None else default_cmapss_dir()
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("C-MAPSS", total=len(names) * seeds)

        def done(name: str, seed: int, result: SeedResult) -> None:
            progress.update(task, advance=1, description=f"{name} seed {seed}")
            progress.console.log(
                f"{name} seed {seed}: RMSE {result.rmse:.2f} score {result.score:.0f} "
                f"coverage {result.coverage:.0%} train {result.train_s:.1f}s"
            )

        report = bench_cmapss(folder, names, seeds, done)
    if as_json:
        typer.echo(json.dumps(report))
        return
    table = Table("subset", "RMSE", "± std", "PHM08 score", "train s")
    for name, row in report["subsets"].items():
        table.add_row(
            name,
            f"{row['rmse_mean']:.2f}",
            f"{row['rmse_std']:.2f}",
            f"{row['score_mean']:.0f}",
            f"{row['train_s']:.1f}",
        )
    Console().print(table)


@bench_app.command("anomaly")
def anomaly(
    data: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="Folder of labelled CSV files.")
    ],
    train_rows: Annotated[int, typer.Option(min=1, help="Rows per file to fit on.")] = 400,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Anomaly detection (F1/FAR/MAR) and changepoints (NAB) on SKAB-format CSV files."""
    report = bench_anomaly(data, train_rows)
    if as_json:
        typer.echo(json.dumps(report))
        return
    table = Table("metric", "value")
    for key, value in report.items():
        table.add_row(key, str(value) if isinstance(value, int) else f"{value:.3f}")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command group to ``app``."""
    app.add_typer(bench_app, name="bench")
