"""``smartfactory ingest``: the connectors of the plant file, polled into the store.

The ingest process of server mode: it reads the ``ingest`` section of the plant file, runs one
poller per connector (timeouts, back-off, write-ahead log; :mod:`smartfactory.connectors.poller`)
and writes samples to the store, and the machine states and counts derived from them through
:class:`smartfactory.ingest.LiveIngest` / :class:`smartfactory.ingest.IngestRunner`::

    ingest:
      poller: {interval_s: 1.0, timeout_s: 5.0}     # optional, every PollerConfig field
      connectors:
        - kind: modbus                             # a registered connector kind
          machine: M1                              # machine of tags without "<machine>/"
          tags: [M1/state, M1/good_count, M1/temp] # the tags to read, "<machine>/<point>"
          config: {host: 10.0.0.5, port: 502, tags: [...]}   # the connector's own config
      publish:                                     # optional: publish back on the UNS
        host: 127.0.0.1
        port: 1883
        topic_root: acme/plant1/area/line1         # <root>/<machine>/state, oee, alert, ...
        interval_s: 5.0
        qos: 1
        username: null
        password: null

With ``publish`` the process also runs a :class:`smartfactory.ingest.UnsPublishLoop`
(machine states and KPIs, retained; health and store alerts, once each), stopped with the
pollers.

The section is taken out before the rest is validated as a plant (so error line numbers of
the plant part refer to the file without it). SIGTERM or SIGINT stops the pollers, which
deliver what they hold to the store and remove their write-ahead logs once it committed;
a ``kill -9`` leaves the logs in ``--ingest-dir`` (``SF_INGEST_DIR``, default
``<workspace>/ingest``), replayed on the next start.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import numpy as np
import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console

from smartfactory.cli.common import URL_SCHEMES
from smartfactory.config import example_plant
from smartfactory.config.loader import parse_plant
from smartfactory.connectors import discover
from smartfactory.connectors.base import Connector
from smartfactory.connectors.poller import PollerConfig
from smartfactory.decisions.engine import DecisionEngine
from smartfactory.domain import Plant
from smartfactory.errors import FactoryError, PlantFileError
from smartfactory.ingest.publish import HealthSource, PublishConfig
from smartfactory.maintenance import LiveMaintenance, ModelRegistry
from smartfactory.maintenance.versions import default_root
from smartfactory.settings import get_settings
from smartfactory.store.base import SignalKey, Store

__all__ = ["ConnectorEntry", "IngestSection", "load_ingest", "register", "run_ingest"]


class ConnectorEntry(BaseModel):
    """One connector of the plant file's ``ingest`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    machine: str | None = Field(default=None, description="Machine of tags without a '/'.")
    tags: list[str] = Field(min_length=1, description="Tags to read: '<machine>/<point>'.")
    config: dict[str, Any] = Field(default_factory=dict, description="The connector's config.")

    def keys(self) -> dict[str, SignalKey]:
        """Signal key of every tag."""
        out: dict[str, SignalKey] = {}
        for tag in self.tags:
            machine, sep, point = tag.partition("/")
            if not sep:
                if self.machine is None:
                    msg = f"tag {tag!r} has no '<machine>/' and the connector no 'machine'"
                    raise ValueError(msg)
                machine, point = self.machine, tag
            out[tag] = SignalKey(machine, point)
        return out


class IngestSection(BaseModel):
    """The ``ingest`` section of a plant file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    poller: PollerConfig = PollerConfig()
    connectors: list[ConnectorEntry] = Field(default_factory=list)
    publish: PublishConfig | None = Field(
        default=None, description="Publish states, KPIs and alerts back on the UNS."
    )


def load_ingest(path: Path | None) -> tuple[Plant, IngestSection]:
    """The plant and the ingest section of the plant file at ``path`` (example: no ingest)."""
    if path is None:
        return example_plant(), IngestSection()
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PlantFileError(source, [f"cannot read the file: {err}"]) from err
    if not isinstance(data, dict):
        raise PlantFileError(source, ["the file must hold a mapping"])
    raw = data.pop("ingest", None) or {}
    try:
        section = IngestSection.model_validate(raw)
        for entry in section.connectors:
            entry.keys()
    except (ValidationError, ValueError) as err:
        raise PlantFileError(source, [f"ingest: {err}"]) from err
    return parse_plant(yaml.safe_dump(data, sort_keys=False), source), section


def run_ingest(
    store: Store,
    plant: Plant,
    section: IngestSection,
    *,
    ingest_dir: Path,
    stop: threading.Event,
    seed: int = 0,
    flush_s: float = 1.0,
    health: HealthSource | None = None,
) -> None:
    """Poll the section's connectors into ``store`` until ``stop`` is set; then deliver all.

    With ``section.publish`` the live picture (and ``health``'s alerts) is published back on
    the UNS meanwhile.
    """
    from smartfactory.ingest import IngestRunner, LiveIngest, UnsPublishLoop  # noqa: PLC0415

    registry = discover()
    connectors: list[tuple[Connector, dict[str, SignalKey]]] = [
        (registry.create(e.kind, e.config), e.keys()) for e in section.connectors
    ]
    if not connectors:
        msg = "the plant file has no ingest.connectors: nothing to ingest"
        raise FactoryError(msg)
    ingest_dir.mkdir(parents=True, exist_ok=True)
    live = LiveIngest(plant, store)
    runner = IngestRunner(
        connectors,
        store,
        live,
        spill_dir=ingest_dir,
        rng=np.random.default_rng(seed),
        config=section.poller,
        flush_s=flush_s,
    )
    publisher = (
        UnsPublishLoop(section.publish, live, store=store, health=health)
        if section.publish is not None
        else None
    )
    runner.start()
    try:
        if publisher is not None:
            publisher.start()
        while not stop.wait(0.5):
            if runner.error is not None or not runner._thread.is_alive():
                break
    finally:
        if publisher is not None:
            publisher.stop()
        runner.stop()
    if runner.error is not None:
        msg = f"the ingest stopped with an error: {runner.error}"
        raise FactoryError(msg) from runner.error


def ingest(
    database: Annotated[
        str | None, typer.Option(help="postgresql:// URL (or a DuckDB file); SF_DATABASE.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Plant file with an ingest section.")
    ] = None,
    schema: Annotated[str | None, typer.Option(help="PostgreSQL schema; SF_PG_SCHEMA.")] = None,
    ingest_dir: Annotated[
        Path | None, typer.Option(help="Write-ahead logs and spill files; SF_INGEST_DIR.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the back-off jitter.")] = 0,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Refuse a store with pending migrations.")
    ] = False,
    predict: Annotated[
        bool,
        typer.Option(
            help="Also score health, anomaly and RUL and run the decision engine (default on)."
        ),
    ] = True,
) -> None:
    """Run the plant file's connectors into the store until SIGTERM or Ctrl-C.

    With ``--predict`` (the default) the same process scores each machine's health, anomaly
    and remaining life from the stored samples and runs the decision engine, so that a plant
    in server mode gets predictions and decisions as the demo does.
    """
    from smartfactory.cli.common import open_database  # noqa: PLC0415
    from smartfactory.cli.serve_cmd import sync_reference_rows  # noqa: PLC0415

    settings = get_settings()
    target = database or settings.database
    if not target:
        msg = "no database: give --database or set SF_DATABASE"
        raise FactoryError(msg)
    plant, section = load_ingest(config or settings.plant_file)
    folder = ingest_dir or settings.ingest_dir or settings.workspace / "ingest"
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del frame
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    console = Console(stderr=True)
    store = open_database(
        target, schema or settings.pg_schema, migrate=settings.migrate_on_open and not no_migrate
    )
    try:
        sync_reference_rows(store, plant)
        console.print(
            f"[bold green]smartfactory ingest[/] — {len(section.connectors)} connector(s)"
            f" into the store; logs in {folder}; SIGTERM or Ctrl-C stops",
            highlight=False,
        )
        with _predicting(store, plant, target, settings.workspace, enabled=predict) as health:
            run_ingest(
                store, plant, section, ingest_dir=folder, stop=stop, seed=seed, health=health
            )
    finally:
        store.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    console.print("ingest stopped; every sample taken is in the store", highlight=False)


@contextmanager
def _predicting(
    store: Store, plant: Plant, target: str, workspace: Path, *, enabled: bool
) -> Iterator[LiveMaintenance | None]:
    """Run live health/RUL scoring and the decision engine while the block runs."""
    if not enabled:
        yield None
        return
    root = workspace / "models" if target.startswith(URL_SCHEMES) else default_root(target)
    health = LiveMaintenance(store, ModelRegistry(store, root))
    engine = DecisionEngine(store, plant, health, clock=lambda: datetime.now(UTC))
    health.start()
    engine.start()
    try:
        yield health
    finally:
        engine.stop()
        health.stop()


def register(app: typer.Typer) -> None:
    """Add ``ingest`` to ``app``."""
    app.command("ingest")(ingest)
