"""``smartfactory demo``: a simulated plant, live, on the embedded store, in the browser.

The simulator runs in real time (default 60x) in a background thread and writes to the
workspace's DuckDB file; the web server runs in the main thread. Ctrl-C (or ``--minutes``)
stops the server, then the simulator, and flushes and closes the store.

With ``--protocol opcua|modbus|mqtt`` the data takes the long way, as from a real plant: the
simulator writes nothing itself; a virtual-factory server (:mod:`smartfactory.sim.servers`)
exposes its machines over the protocol, our own connector reads them under the poller, and a
:class:`~smartfactory.ingest.LiveIngest` writes samples, state intervals and counts to the store
and is the page's live source (:class:`~smartfactory.sim.servers.loop.ProtocolLoop`).

Either way a :class:`~smartfactory.maintenance.LiveMaintenance` scores health, anomaly and
RUL from the stored samples, and a :class:`~smartfactory.decisions.engine.DecisionEngine`
turns predicted failures into maintenance decisions, work orders and re-planned production,
as the plant's autonomy level allows. With ``--publish-uns`` a
:class:`~smartfactory.ingest.UnsPublishLoop` publishes the live states, KPIs and alerts on the
UNS (``--broker-host``, ``--broker-port``, ``--publish-root``).
"""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from smartfactory.api import create_app
from smartfactory.api.auth.bootstrap import first_admin_notice
from smartfactory.api.server import Server, make_server
from smartfactory.cli.common import workspace_plant
from smartfactory.decisions.engine import DecisionEngine
from smartfactory.domain import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.ingest.publish import PublishConfig, UnsPublishLoop
from smartfactory.maintenance import LiveMaintenance, ModelRegistry
from smartfactory.maintenance.versions import default_root
from smartfactory.settings import Settings, get_settings
from smartfactory.sim import FactorySimulation
from smartfactory.sim.servers import Protocol
from smartfactory.sim.servers.loop import ProtocolLoop
from smartfactory.store import Store, open_store

__all__ = ["demo_start", "register"]

log = logging.getLogger(__name__)


def demo_start(plant: Plant, now: datetime, warm_shifts: int = 3) -> tuple[datetime, datetime]:
    """Where the demo's simulated clock starts, and where real time takes over.

    Real time starts at the latest shift start at or before ``now``, so machines are working
    as soon as the page opens; before it the plant runs ``warm_shifts`` earlier shifts at full
    speed, so orders are in progress on every line. Without shifts in the last week both are
    ``now``.
    """
    starts = [w.start for w in plant.site.calendar.windows(now - timedelta(days=8), now)]
    starts = [s for s in starts if s <= now]
    if not starts:
        return now, now
    return starts[max(0, len(starts) - 1 - warm_shifts)], starts[-1]


def demo(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Plant file; default: the example.")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Web server port (default 8000).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    speed: Annotated[float, typer.Option(min=0.1, help="Simulated seconds per second.")] = 60.0,
    minutes: Annotated[
        float | None, typer.Option(min=0.05, help="Stop after this many wall-clock minutes.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    workspace: Annotated[
        Path | None, typer.Option(help="Workspace folder (default SF_WORKSPACE).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a web browser.")
    ] = False,
    protocol: Annotated[
        Protocol | None,
        typer.Option(
            help="Run the data through a virtual factory on opcua, modbus or mqtt.",
            case_sensitive=False,
        ),
    ] = None,
    protocol_host: Annotated[
        str, typer.Option(help="Virtual factory's address (MQTT: the broker).")
    ] = "127.0.0.1",
    protocol_port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Its port (default: any free one; MQTT 1883)."),
    ] = None,
    topic_root: Annotated[
        str | None, typer.Option(help="MQTT: first topic level (default: the enterprise id).")
    ] = None,
    publish_uns: Annotated[
        bool, typer.Option("--publish-uns", help="Publish states, KPIs and alerts on the UNS.")
    ] = False,
    broker_host: Annotated[str, typer.Option(help="--publish-uns: the broker.")] = "127.0.0.1",
    broker_port: Annotated[
        int, typer.Option(min=1, max=65535, help="--publish-uns: its port.")
    ] = 1883,
    publish_root: Annotated[
        str, typer.Option(help="--publish-uns: enterprise/site/area/line to publish under.")
    ] = "smartfactory/demo/live/uns",
) -> None:
    """Run a simulated plant in real time and serve the live plant overview."""
    settings = _settings(port=port, host=host, workspace=workspace)
    publish = _publish_config(publish_uns, broker_host, broker_port, publish_root)
    settings.workspace.mkdir(parents=True, exist_ok=True)
    plant, plant_file = workspace_plant(settings.workspace, config)
    db_path = settings.workspace / "demo.duckdb"
    db_path.unlink(missing_ok=True)  # the demo store is scratch: each demo starts afresh
    Path(f"{db_path}.wal").unlink(missing_ok=True)
    store = open_store(db_path)
    console = Console()
    sim_start, live_from = demo_start(plant, datetime.now(UTC))
    sim = FactorySimulation(
        plant,
        store if protocol is None else None,  # through a protocol only the ingest writes
        seed=seed,
        start=sim_start,
        speed=speed,
        cmapss_dir=settings.cmapss_dir,
    )
    with console.status("warming up: simulating the previous shifts at full speed"):
        sim.fast_forward(live_from - sim_start)
    loop = None
    live: LiveSource = sim
    if protocol is not None:
        loop = _open_protocol(
            sim, store, protocol, settings, (protocol_host, protocol_port), topic_root, seed
        )
        live = loop.ingest
    # predictions and decisions from what the store receives, as in a real plant
    health = LiveMaintenance(
        store,
        ModelRegistry(store, default_root(db_path)),
        backfill=live_from - sim_start + timedelta(hours=1),
    )
    engine = DecisionEngine(store, plant, health, clock=sim.now, interval_s=900.0)
    try:
        server = make_server(
            create_app(
                settings, plant, live, store, maintenance=health, appliers=engine.appliers()
            ),
            settings.host,
            settings.port,
            log_level="warning",
        )
        url = f"http://{settings.host}:{settings.port}"
        through = (
            f"\n  through:    {loop.endpoint} (our {loop.protocol.value} connector)"
            if loop is not None
            else ""
        )
        console.print(
            f"[bold green]smartfactory demo[/] — {plant.site.name.en}, "
            f"{sum(1 for _ in plant.machines())} machines at {speed:g}x\n"
            f"  plant file: {plant_file}\n  store:      {db_path}{through}\n"
            f"  open [bold]{url}[/]  (Korean: {url}/?lang=ko) — Ctrl-C to stop",
            highlight=False,
        )
        admin = first_admin_notice(store)  # no default password: a random one, shown once
        if admin:
            console.print(admin, style="bold yellow", highlight=False)
        if not no_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        health.start()
        engine.start()
        with _publishing(publish, live, store, health, sim.now):
            failed = _serve_while_simulating(server, sim, minutes)
    finally:
        engine.stop()
        health.stop()
        if loop is not None:
            loop.close()
        store.close()
    snap = live.snapshot()
    good = sum(m.good for m in snap.machines)
    console.print(
        f"stopped at simulated {snap.timestamp:%Y-%m-%d %H:%M} UTC; "
        f"store flushed to {db_path} ({good:,} good units this shift)",
        highlight=False,
    )
    if failed:
        raise typer.Exit(code=1)


def _open_protocol(
    sim: FactorySimulation,
    store: Store,
    protocol: Protocol,
    settings: Settings,
    address: tuple[str, int | None],
    topic_root: str | None,
    seed: int,
) -> ProtocolLoop:
    """Start the virtual factory on ``protocol`` and our connector reading it (or close)."""
    host, requested = address
    port = requested if requested is not None else (1883 if protocol is Protocol.MQTT else 0)
    loop = ProtocolLoop(
        sim,
        store,
        protocol,
        spill_dir=settings.workspace / "demo-ingest",
        host=host,
        port=port,
        root=topic_root,
        seed=seed,
    )
    try:
        with Console().status(f"starting the virtual factory ({protocol.value})"):
            loop.open()
            loop.wait_ready(15)
    except BaseException:
        store.close()
        raise
    return loop


def _publish_config(enabled: bool, host: str, port: int, root: str) -> PublishConfig | None:
    """The ``--publish-uns`` settings, or None when off; a bad root is a usage error."""
    if not enabled:
        return None
    try:
        return PublishConfig(host=host, port=port, topic_root=root)
    except ValidationError as err:
        msg = f"--publish-root must be enterprise/site/area/line: {root!r}"
        raise typer.BadParameter(msg) from err


def _publishing(
    config: PublishConfig | None,
    live: LiveSource,
    store: Store,
    health: LiveMaintenance,
    clock: Callable[[], datetime],
) -> AbstractContextManager[object]:
    """A running :class:`UnsPublishLoop` for the block, or nothing when not configured."""
    if config is None:
        return nullcontext()
    return UnsPublishLoop(config, live, store=store, health=health, clock=clock)


def _settings(*, port: int | None, host: str | None, workspace: Path | None) -> Settings:
    updates: dict[str, object] = {"port": port, "host": host, "workspace": workspace}
    return get_settings().model_copy(update={k: v for k, v in updates.items() if v is not None})


def _serve_while_simulating(server: Server, sim: FactorySimulation, minutes: float | None) -> bool:
    """Serve until Ctrl-C or ``minutes``, with ``sim`` running in a thread; True if it failed."""
    failure: list[BaseException] = []

    def run_simulation() -> None:
        try:
            sim.run(None)
        except BaseException as err:  # reported below; the server must stop too
            failure.append(err)
            log.exception("simulation stopped with an error")
            server.should_exit = True

    worker = threading.Thread(target=run_simulation, name="simulation")
    worker.start()
    timer = None
    if minutes is not None:
        timer = threading.Timer(minutes * 60, lambda: setattr(server, "should_exit", True))
        timer.daemon = True
        timer.start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # a Ctrl-C before the server took over the signals: stopping is what was asked
    finally:
        if timer is not None:
            timer.cancel()
        sim.stop()
        worker.join(timeout=30)
    return bool(failure)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo)
