"""``smartfactory sim-server``: the simulated plant as a virtual factory on a real protocol.

The simulator runs in real time (``--speed``, after the same warm-up as the demo) in a
background thread; a protocol server (OPC UA, Modbus TCP, or an MQTT publisher on the Unified
Namespace) exposes every machine's sensor signals, state code, order/product and good/scrap
counters, updated every ``--update-s`` seconds. ``--print-map`` prints the address map and
exits; ``--export-config`` writes the configs of our connectors that read the server (with
the bound port). Ctrl-C or SIGTERM (or ``--minutes``) stops the simulator and the server.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import numpy as np
import typer
import yaml
from rich.console import Console

from smartfactory.cli.common import plant_for
from smartfactory.cli.demo_cmd import demo_start
from smartfactory.sim import FactorySimulation
from smartfactory.sim.servers import AddressMap, PlantReader, Protocol, ServerThread, make_server
from smartfactory.sim.servers.factory import DEFAULT_PORTS

__all__ = ["register", "sim_server"]

log = logging.getLogger(__name__)

ProtocolOption = Annotated[
    Protocol, typer.Option("--protocol", "-p", help="opcua, modbus or mqtt.", case_sensitive=False)
]


def sim_server(
    protocol: ProtocolOption,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Plant file; default: the example.")
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to bind (MQTT: the broker's address).")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65535,
            help="Port (0: any free one; default opcua 4840, modbus 5020, mqtt 1883).",
        ),
    ] = None,
    speed: Annotated[float, typer.Option(min=0.1, help="Simulated seconds per second.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    minutes: Annotated[
        float | None, typer.Option(min=0.01, help="Stop after this many wall-clock minutes.")
    ] = None,
    update_s: Annotated[
        float, typer.Option("--update-s", min=0.05, help="Seconds between value updates.")
    ] = 0.5,
    topic_root: Annotated[
        str | None, typer.Option(help="MQTT: first topic level (default: the enterprise id).")
    ] = None,
    print_map: Annotated[
        bool, typer.Option("--print-map", help="Print the address map and exit.")
    ] = False,
    export_config: Annotated[
        Path | None,
        typer.Option(help="Write the connector configs that read this server (YAML) here."),
    ] = None,
) -> None:
    """Serve the simulated plant over OPC UA, Modbus TCP or MQTT (a virtual factory)."""
    plant = plant_for(config)
    amap = AddressMap.from_plant(plant)
    console = Console()
    if print_map:
        _print_map(amap, protocol, topic_root)
        if export_config is not None:
            port_used = DEFAULT_PORTS[protocol] if port is None else port
            _export(export_config, amap, protocol, host, port_used, topic_root)
        return
    sim_start, live_from = demo_start(plant, datetime.now(UTC))
    sim = FactorySimulation(plant, None, seed=seed, start=sim_start, speed=speed)
    with console.status("warming up: simulating the previous shifts at full speed"):
        sim.fast_forward(live_from - sim_start)
    server = ServerThread(
        make_server(protocol, amap, host, port, root=topic_root),
        PlantReader(sim, np.random.default_rng([seed, 1])).read,
        update_s=update_s,
    )
    server.start()
    try:
        bound = server.server.port
        if export_config is not None:
            _export(export_config, amap, protocol, host, bound, topic_root)
        console.print(
            f"[bold green]smartfactory sim-server[/] — {len(amap.machines)} machines at "
            f"{speed:g}x on [bold]{server.server.endpoint}[/] — Ctrl-C to stop",
            highlight=False,
        )
        console.print(f"port {bound}", highlight=False)  # one line a script can read
        _run_until_stopped(sim, minutes)
    finally:
        server.stop()
    console.print(f"stopped at simulated {sim.now():%Y-%m-%d %H:%M} UTC", highlight=False)


def _run_until_stopped(sim: FactorySimulation, minutes: float | None) -> None:
    """Run ``sim`` in a thread until Ctrl-C, SIGTERM or ``minutes``; then stop and join it."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=lambda: sim.run(None), name="simulation")
    worker.start()
    try:
        stop.wait(minutes * 60 if minutes is not None else None)
    finally:
        sim.stop()
        worker.join(timeout=30)
        for s, handler in previous.items():
            signal.signal(s, handler)


def _print_map(amap: AddressMap, protocol: Protocol, root: str | None) -> None:
    typer.echo(f"# {protocol.value} address map: tag, address, type")
    if protocol is Protocol.OPCUA:
        typer.echo(f"# namespace 2 = {amap.namespace}")
    if protocol is Protocol.MODBUS and amap.products:
        listed = ", ".join(f"{i}={p}" for i, p in enumerate(amap.products, start=1))
        typer.echo(f"# product_index: 0=none, {listed}")
    for tag, address, kind in amap.rows(protocol, root=root):
        typer.echo(f"{tag}\t{address}\t{kind}")


def _export(
    path: Path, amap: AddressMap, protocol: Protocol, host: str, port: int, root: str | None
) -> None:
    client_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
    configs = amap.connector_configs(protocol, client_host, port, root=root)
    doc = {"connectors": [{"kind": kind, "config": cfg} for kind, cfg in configs]}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2) if path.suffix == ".json" else yaml.safe_dump(doc)
    path.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add ``sim-server`` to ``app``."""
    app.command("sim-server")(sim_server)
