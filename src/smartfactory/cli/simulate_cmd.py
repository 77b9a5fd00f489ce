"""``smartfactory simulate``: run the plant headless, store the data, print KPIs and costs."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from smartfactory.cli.common import plant_for
from smartfactory.domain.assets import Plant
from smartfactory.errors import ConfigError
from smartfactory.settings import get_settings
from smartfactory.sim import DEFAULT_START, FactorySimulation, SimulationResult
from smartfactory.sim.evaluate import POLICIES, evaluate
from smartfactory.store import open_store

__all__ = ["register"]


def simulate(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Plant file; the example plant if omitted."),
    ] = None,
    days: Annotated[float, typer.Option(min=0.01, help="Simulated days.")] = 7.0,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same run.")] = 1,
    start: Annotated[
        datetime | None, typer.Option(help="Simulated start (ISO 8601, UTC if no offset).")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(help="DuckDB file to write; default <workspace>/simulation.duckdb."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --store file.")] = False,
    no_store: Annotated[bool, typer.Option("--no-store", help="Keep only the summary.")] = False,
    sample_interval: Annotated[
        float, typer.Option(min=1.0, help="Seconds between stored sensor samples.")
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    policy: Annotated[
        str | None,
        typer.Option(
            help="Evaluate a maintenance policy: run-to-failure, preventive, predictive, oracle "
            "or all (summary only, no store); default: the plant file's preventive intervals."
        ),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=1, help="With --policy: seeds --seed .. --seed + K - 1.")
    ] = 1,
) -> None:
    """Simulate the plant for N days as fast as possible and print the summary.

    With --json the last line of stdout is one JSON object (oee, availability, performance,
    quality, good_units, scrap_units, failures, unplanned_downtime_h, planned_maintenance_h,
    maintenance_cost, total_cost, ...). A progress bar is drawn on stderr.

    With --policy the plant runs under that maintenance policy for each of --seeds seeds and
    the figures are averaged (plus policy, seeds, on_time_rate, policy_cost and *_std); with
    --policy all, --json prints one JSON list with an object per policy.
    """
    plant = plant_for(config)
    settings = get_settings()
    if policy is not None:
        _evaluate(plant, policy, days, list(range(seed, seed + seeds)), as_json)
        return
    begin = start or DEFAULT_START
    if begin.tzinfo is None:
        begin = begin.replace(tzinfo=DEFAULT_START.tzinfo)
    db = None
    if not no_store:
        path = store if store is not None else settings.workspace / "simulation.duckdb"
        if path.exists():
            if store is not None and not overwrite:
                raise ConfigError(f"{path} exists; pass --overwrite to replace it")
            path.unlink()
            Path(f"{path}.wal").unlink(missing_ok=True)
        db = open_store(path)
    err = Console(stderr=True)
    try:
        sim = FactorySimulation(
            plant,
            db,
            seed=seed,
            start=begin,
            sample_interval_s=sample_interval,
            cmapss_dir=settings.cmapss_dir,
        )
        with Progress(
            TextColumn("[bold]simulating[/] {task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=as_json,
        ) as bar:
            task = bar.add_task(f"{days:g} days of {plant.site.name.en}", total=days * 86400)
            result = sim.run_for(
                timedelta(days=days),
                progress=lambda done, _total: bar.update(task, completed=done),
            )
    finally:
        if db is not None:
            db.close()
    if as_json:
        typer.echo(json.dumps(_json(result), ensure_ascii=False))
    else:
        _print(result, plant.costs.currency)


def _evaluate(plant: Plant, policy: str, days: float, seeds: list[int], as_json: bool) -> None:
    names = list(POLICIES) if policy == "all" else [policy]
    if any(n not in POLICIES for n in names):
        raise ConfigError(f"unknown policy {policy!r}; expected {', '.join(POLICIES)} or all")
    err = Console(stderr=True)
    outs: list[dict[str, object]] = []
    with Progress(
        TextColumn("[bold]simulating[/] {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=as_json,
    ) as bar:
        for name in names:
            task = bar.add_task(
                f"{name}: {len(seeds)} x {days:g} days", total=len(seeds) * days * 86400
            )

            def tick(k: int, done: float, _total: float, task: TaskID = task) -> None:
                bar.update(task, completed=k * days * 86400 + done)

            outs.append(
                evaluate(
                    plant,
                    name,
                    days=days,
                    seeds=seeds,
                    cmapss_dir=get_settings().cmapss_dir,
                    progress=tick,
                )
            )
    if as_json:
        rounded = [_rounded(o) for o in outs]
        typer.echo(json.dumps(rounded if policy == "all" else rounded[0], ensure_ascii=False))
        return
    table = Table(title=f"{len(seeds)} seed(s) x {days:g} simulated days, mean per run")
    table.add_column("figure")
    for o in outs:
        table.add_column(str(o["policy"]), justify="right")
    for key in (
        "total_cost",
        "policy_cost",
        "maintenance_cost",
        "scrap_cost",
        "failures",
        "preventive_jobs",
        "unplanned_downtime_h",
        "breakdown_h",
        "on_time_rate",
        "oee",
    ):
        table.add_row(key, *(f"{float(o[key]):,.3g}" for o in outs))  # type: ignore[arg-type]
    Console().print(table)


def _rounded(data: dict[str, object]) -> dict[str, object]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in data.items()}


def _json(result: SimulationResult) -> dict[str, object]:
    data = asdict(result)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif isinstance(value, float):
            data[key] = round(value, 6)
    return data


def _print(result: SimulationResult, currency: str) -> None:
    table = Table(title=f"{result.simulated_days:g} simulated days, {result.machines} machines")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("OEE", f"{result.oee:.1%}"),
        ("availability", f"{result.availability:.1%}"),
        ("performance", f"{result.performance:.1%}"),
        ("quality", f"{result.quality:.1%}"),
        ("good units (all operations)", f"{result.good_units:,}"),
        ("scrap units", f"{result.scrap_units:,}"),
        ("failures", f"{result.failures:,}"),
        ("unplanned downtime", f"{result.unplanned_downtime_h:,.1f} h"),
        ("planned maintenance", f"{result.planned_maintenance_h:,.1f} h"),
        ("maintenance cost", f"{result.maintenance_cost:,.0f} {currency}"),
        ("total cost", f"{result.total_cost:,.0f} {currency}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to ``app``."""
    app.command("simulate")(simulate)
