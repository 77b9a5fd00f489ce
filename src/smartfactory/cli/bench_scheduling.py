"""``smartfactory bench jssp`` and ``bench fjsp``: scheduling benchmarks on public instances.

Each prints one JSON object with ``--json``::

    {"instances": {"<name>": {"makespan", "best_known", "gap", "optimal", "seconds"}},
     "mean_gap", "baseline_mean_gap"}

``--baseline`` (jssp) also runs plain CP-SAT on the same model with the same time limit;
``baseline_mean_gap`` is null otherwise. Without ``--json`` a table is printed and a progress
bar runs on stderr. The solver lives in :mod:`smartfactory.decisions.scheduling.benchmark`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from smartfactory.decisions.scheduling.benchmark import (
    BenchInstance,
    bench,
    default_fjsp_dir,
    default_jssp_file,
    load_fjsp,
    load_jssp,
)
from smartfactory.errors import ConfigError

__all__ = ["register"]


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise ConfigError("--names: give at least one instance name, e.g. ft10,la16")
    return names


def _run(
    instances: list[BenchInstance],
    time_limit: float,
    *,
    baseline: bool,
    workers: int,
    seed: int,
    as_json: bool,
) -> None:
    err = Console(stderr=True)
    progress: Callable[[str, dict[str, Any]], None] | None = None
    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("scheduling", total=len(instances))

        def done(name: str, row: dict[str, Any]) -> None:
            bar.update(task, advance=1, description=name)

        progress = done
        report = bench(
            instances, time_limit, baseline=baseline, workers=workers, seed=seed, progress=progress
        )
    if as_json:
        typer.echo(json.dumps(report))
        return
    table = Table("instance", "makespan", "best known", "gap", "optimal", "seconds")
    for name, row in report["instances"].items():
        table.add_row(
            name,
            str(row["makespan"]),
            str(row["best_known"]),
            f"{row['gap']:.2%}",
            "yes" if row["optimal"] else "",
            f"{row['seconds']:.1f}",
        )
    Console().print(table)
    line = f"mean gap {report['mean_gap']:.2%}"
    if report["baseline_mean_gap"] is not None:
        line += f", plain CP-SAT {report['baseline_mean_gap']:.2%}"
    Console().print(line)


def register(bench_app: typer.Typer) -> None:
    """Add ``jssp`` and ``fjsp`` to the ``bench`` command group."""

    @bench_app.command("jssp")
    def jssp(
        names: Annotated[str, typer.Option(help="Comma-separated instances, e.g. ft10,la16.")],
        instances: Annotated[
            Path | None,
            typer.Option(help="instances.json (default: $SF_JSSP_DIR or the shared data set)."),
        ] = None,
        time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds per instance.")] = 10.0,
        baseline: Annotated[bool, typer.Option(help="Also run plain CP-SAT.")] = False,
        workers: Annotated[int, typer.Option(min=1, help="CP-SAT threads.")] = 2,
        seed: Annotated[int, typer.Option(min=0)] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Job-shop makespan against best-known bounds (ft, la, ta, ...)."""
        chosen = load_jssp(instances or default_jssp_file(), _names(names))
        _run(chosen, time_limit, baseline=baseline, workers=workers, seed=seed, as_json=as_json)

    @bench_app.command("fjsp")
    def fjsp(
        names: Annotated[str, typer.Option(help="Comma-separated instances, e.g. mk01,mk02.")],
        data: Annotated[
            Path | None,
            typer.Option(file_okay=False, help="FJSP folder (default: $SF_FJSP_DIR or shared)."),
        ] = None,
        time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds per instance.")] = 10.0,
        baseline: Annotated[bool, typer.Option(help="Also run plain CP-SAT.")] = False,
        workers: Annotated[int, typer.Option(min=1, help="CP-SAT threads.")] = 2,
        seed: Annotated[int, typer.Option(min=0)] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Flexible job-shop makespan against best-known bounds (Brandimarte mk01-mk10 ...)."""
        chosen = load_fjsp(data or default_fjsp_dir(), _names(names))
        _run(chosen, time_limit, baseline=baseline, workers=workers, seed=seed, as_json=as_json)

    del jssp, fjsp
