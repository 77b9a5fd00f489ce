"""``smartfactory models``: train, list, show and promote versions of predictive models.

Versions live in ``<store folder>/models/<kind>/<scope>/v<N>/`` and the store's
``model_versions`` table (see :mod:`smartfactory.maintenance.versions`).

* ``models train --kind rul --data DIR --subset FD001`` trains the default RUL model on C-MAPSS;
  ``models train --kind health --store PATH --machine M`` trains a machine's health model on its
  own samples of the last ``--days`` days (learning only while it was producing);
  ``models train --kind failure --data DIR --subset FD003`` trains the failure-mode classifier
  (derived HPC / fan labels) and reports held-out macro-F1 and per-class recall.
* ``models list`` / ``models show REF`` print Rich tables, or JSON with ``--json``; ``show``
  adds the drift report (PSI per feature and of the anomaly score, and whether to retrain).
* ``models promote REF`` makes a version the promoted one of its kind and scope and archives
  the previous one. REF is a version id or ``kind/scope/vN``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from smartfactory.errors import ConfigError, DataError
from smartfactory.maintenance.frames import input_signals
from smartfactory.maintenance.monitor import version_drift
from smartfactory.maintenance.rul.cmapss import SUBSETS, default_cmapss_dir
from smartfactory.maintenance.training import Trained, train_failure, train_health, train_rul
from smartfactory.maintenance.versions import ModelRegistry, ModelVersion, default_root
from smartfactory.settings import get_settings
from smartfactory.store import open_store

__all__ = ["register"]

models_app = typer.Typer(help="Train, list, show and promote predictive model versions.")

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store file or postgresql:// URL (default: workspace store)."),
]
ModelsOpt = Annotated[
    Path | None, typer.Option("--models", help="Models folder (default: <store folder>/models).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _registry(store: str | None, models: Path | None) -> Iterator[ModelRegistry]:
    location = store or str(get_settings().workspace / "simulation.duckdb")
    db = open_store(location)
    try:
        yield ModelRegistry(db, models if models is not None else default_root(location))
    finally:
        db.close()


@models_app.command("train")
def train(
    kind: Annotated[
        str, typer.Option(help="rul or failure (C-MAPSS), or health (a machine's own data).")
    ] = "rul",
    data: Annotated[
        Path | None, typer.Option(file_okay=False, help="C-MAPSS folder (--kind rul).")
    ] = None,
    subset: Annotated[str, typer.Option(help="C-MAPSS subset (--kind rul).")] = "FD001",
    machine: Annotated[str | None, typer.Option(help="Machine id (--kind health).")] = None,
    days: Annotated[float, typer.Option(min=0.01, help="Days of data (--kind health).")] = 7.0,
    trees: Annotated[
        int | None, typer.Option(min=1, help="Trees per fold model (--kind rul).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    seeds: Annotated[
        int, typer.Option(min=1, help="Held-out splits to evaluate (--kind failure).")
    ] = 5,
    promote: Annotated[bool, typer.Option(help="Promote the new version.")] = False,
    store: StoreOpt = None,
    models: ModelsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a model, save it as a new candidate version and print its metrics."""
    err = Console(stderr=True)
    with (
        _registry(store, models) as registry,
        Progress(console=err, transient=True) as bar,
    ):
        task = bar.add_task(f"training {kind}", total=1)

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{kind}: {what}")

        trained: Trained
        if kind == "rul":
            name = subset.upper()
            if name not in SUBSETS:
                raise ConfigError(f"--subset must be one of {', '.join(SUBSETS)}")
            folder = data if data is not None else default_cmapss_dir()
            trained = train_rul(folder, name, seed=seed, n_estimators=trees, progress=tick)
        elif kind == "failure":
            name = subset.upper() if subset.upper() != "FD001" else "FD003"
            if name not in SUBSETS:
                raise ConfigError(f"--subset must be one of {', '.join(SUBSETS)}")
            folder = data if data is not None else default_cmapss_dir()
            trained = train_failure(folder, name, seeds=seeds, n_estimators=trees, progress=tick)
        elif kind == "health":
            if machine is None:
                raise ConfigError("--kind health needs --machine")
            end = _newest(registry, machine)
            trained = train_health(
                registry.store, machine, end - timedelta(days=days), end, progress=tick
            )
        else:
            raise ConfigError(f"--kind must be rul, failure or health, not {kind!r}")
        mv = registry.save(
            trained.kind,
            trained.scope,
            trained.model,
            features=trained.features,
            params=trained.params,
            metrics=trained.metrics,
            data_start=trained.data_start,
            data_end=trained.data_end,
            reference=trained.reference,
        )
        if promote:
            mv = registry.promote(mv.id)
    if as_json:
        typer.echo(json.dumps(mv.public()))
        return
    console = Console()
    console.print(
        f"[bold]{mv.kind}/{mv.scope}/v{mv.version}[/] saved ({mv.status}), id {mv.id}",
        highlight=False,
    )
    metrics = Table(title="metrics")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for key, value in mv.metrics.items():
        if isinstance(value, int | float):
            metrics.add_row(key, str(value))
    console.print(metrics)


def _newest(registry: ModelRegistry, machine: str) -> datetime:
    sigs = input_signals(registry.store, machine).get(machine, [])
    if not sigs:
        raise DataError(f"machine {machine!r} has no signals in the store")
    latest = registry.store.latest_samples([s for s, _ in sigs])
    stamps: list[datetime] = [t for t in latest.column("ts").to_pylist() if t is not None]
    if not stamps:
        raise DataError(f"machine {machine!r} has no samples in the store")
    return max(stamps).astimezone(UTC) + timedelta(microseconds=1)


def _print_versions(found: list[ModelVersion], as_json: bool, title: str = "models") -> None:
    if as_json:
        typer.echo(json.dumps([mv.public() for mv in found]))
        return
    table = Table(title=title)
    for col in ("id", "kind", "scope", "version", "status", "created", "metrics"):
        table.add_column(col)
    for mv in found:
        metrics = ", ".join(f"{k}={v}" for k, v in mv.metrics.items() if isinstance(v, int | float))
        table.add_row(
            mv.id[:12],
            mv.kind,
            mv.scope,
            f"v{mv.version}",
            mv.status,
            f"{mv.created:%Y-%m-%d %H:%M}",
            metrics,
        )
    Console().print(table)


@models_app.command("list")
def list_versions(
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    scope: Annotated[str | None, typer.Option(help="Only this scope.")] = None,
    store: StoreOpt = None,
    models: ModelsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List model versions."""
    with _registry(store, models) as registry:
        found = registry.list(kind, scope)
    _print_versions(found, as_json)


@models_app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Version id or kind/scope/vN.")],
    window_h: Annotated[
        float, typer.Option(min=0.1, help="Hours of recent data for drift (health).")
    ] = 24.0,
    store: StoreOpt = None,
    models: ModelsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One version in full, with its drift report."""
    with _registry(store, models) as registry:
        mv = registry.get(ref)
        drift = version_drift(registry, mv, timedelta(hours=window_h))
    if as_json:
        typer.echo(json.dumps({**mv.public(), "drift": drift.public() if drift else None}))
        return
    table = Table(title=f"{mv.kind}/{mv.scope}/v{mv.version}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for key, value in mv.public().items():
        shown = value if isinstance(value, str) else json.dumps(value)
        table.add_row(key, shown if len(shown) < 400 else shown[:400] + "...")
    console = Console()
    console.print(table)
    if drift is None:
        console.print("drift: no recent data to compare")
        return
    dt = Table(title=f"drift ({drift.rows} recent rows)")
    dt.add_column("feature")
    dt.add_column("PSI", justify="right")
    dt.add_column("level")
    rows = [*drift.features, *([drift.score] if drift.score else [])]
    for f in sorted(rows, key=lambda f: -f.psi):
        dt.add_row(f.name, f"{f.psi:.3f}", f.level)
    console.print(dt)
    verdict = "retrain" if drift.retrain else "no retraining needed"
    console.print(f"{verdict}: {'; '.join(drift.reasons) or 'all PSI below thresholds'}")


@models_app.command("promote")
def promote_version(
    ref: Annotated[str, typer.Argument(help="Version id or kind/scope/vN.")],
    store: StoreOpt = None,
    models: ModelsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Promote a version (the previously promoted one of its kind and scope is archived)."""
    with _registry(store, models) as registry:
        mv = registry.promote(registry.get(ref).id)
        found = registry.list(mv.kind, mv.scope)
    _print_versions(found, as_json, title="promoted")


def register(app: typer.Typer) -> None:
    """Add ``models`` to ``app``."""
    app.add_typer(models_app, name="models")
