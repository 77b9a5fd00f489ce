"""``smartfactory demo``: a simulated plant, live, on the embedded store, in the browser.

The simulator runs in real time (default 60x) in a background thread and writes to the
workspace's DuckDB file; the web server runs in the main thread. Ctrl-C (or ``--minutes``)
stops the server, then the simulator, and flushes and closes the store.
"""

from __future__ import annotations

import logging
import threading
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from smartfactory.api import create_app
from smartfactory.api.server import Server, make_server
from smartfactory.cli.common import workspace_plant
from smartfactory.domain import Plant
from smartfactory.settings import Settings, get_settings
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store

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
) -> None:
    """Run a simulated plant in real time and serve the live plant overview."""
    settings = _settings(port=port, host=host, workspace=workspace)
    settings.workspace.mkdir(parents=True, exist_ok=True)
    plant, plant_file = workspace_plant(settings.workspace, config)
    db_path = settings.workspace / "demo.duckdb"
    db_path.unlink(missing_ok=True)  # the demo store is scratch: each demo starts afresh
    Path(f"{db_path}.wal").unlink(missing_ok=True)
    store = open_store(db_path)
    console = Console()
    sim_start, live_from = demo_start(plant, datetime.now(UTC))
    sim = FactorySimulation(
        plant, store, seed=seed, start=sim_start, speed=speed, cmapss_dir=settings.cmapss_dir
    )
    with console.status("warming up: simulating the previous shifts at full speed"):
        sim.fast_forward(live_from - sim_start)
    server = make_server(
        create_app(settings, plant, sim, store), settings.host, settings.port, log_level="warning"
    )
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"[bold green]smartfactory demo[/] — {plant.site.name.en}, "
        f"{sum(1 for _ in plant.machines())} machines at {speed:g}x\n"
        f"  plant file: {plant_file}\n  store:      {db_path}\n"
        f"  open [bold]{url}[/]  (Korean: {url}/?lang=ko) — Ctrl-C to stop",
        highlight=False,
    )
    if not no_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    failed = _serve_while_simulating(server, sim, minutes)
    store.close()
    snap = sim.snapshot()
    good = sum(m.good for m in snap.machines)
    console.print(
        f"stopped at simulated {snap.timestamp:%Y-%m-%d %H:%M} UTC; "
        f"store flushed to {db_path} ({good:,} good units this shift)",
        highlight=False,
    )
    if failed:
        raise typer.Exit(code=1)


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
        pass  # uvicorn re-raises the Ctrl-C it handled; stopping is what the user asked for
    finally:
        if timer is not None:
            timer.cancel()
        sim.stop()
        worker.join(timeout=30)
    return bool(failure)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo)
