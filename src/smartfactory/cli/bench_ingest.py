"""``smartfactory bench ingest``: how fast connector data reaches the store, losing nothing.

A thin adapter over :mod:`smartfactory.connectors.benchmark`. ``--source mqtt`` publishes
QoS 1 UNS messages (``--signals`` per message) from a separate process through a real
Mosquitto (a private one on a free loopback port, or ``--broker host:port``), ingests them
with the MQTT connector and poller into a DuckDB store, then consumes the same messages with a
bare aiomqtt client, and prints ``samples``, ``samples_per_s``, ``raw_samples_per_s``,
``ratio``, ``p99_latency_ms`` (publish to queryable), ``lost`` and ``duplicates``.
``--source opcua`` subscribes to ``--items`` variables of an asyncua server (separate process)
changing at 1 Hz for ``--seconds`` and prints the rate, loss and CPU used (process CPU seconds
per wall second). ``--rate`` paces the publisher to that many samples/s (latency under a
sustainable load). ``--compare`` also runs the MQTT load through the per-message path the
connector had before its columnar fast path (A/B in the same run). With ``--json`` one JSON
object on stdout; otherwise a table.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from smartfactory.connectors.benchmark import BenchConfig, bench_mqtt, bench_opcua
from smartfactory.errors import ConfigError

__all__ = ["register"]


def _broker(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--broker must be host:port, not {value!r}")
    return host, int(port)


def _print(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report))
        return
    table = Table("metric", "value")
    for key, value in report.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    Console().print(table)


def ingest(
    source: Annotated[str, typer.Option(help="mqtt or opcua.")] = "mqtt",
    messages: Annotated[int, typer.Option(min=1, help="MQTT messages to publish.")] = 5_000,
    signals: Annotated[int, typer.Option(min=1, help="Signals per MQTT message.")] = 100,
    machines: Annotated[int, typer.Option(min=1, help="Machines the messages cycle over.")] = 10,
    broker: Annotated[
        str | None, typer.Option(help="host:port of a broker (default: a private mosquitto).")
    ] = None,
    items: Annotated[int, typer.Option(min=1, help="OPC UA monitored items.")] = 10_000,
    seconds: Annotated[float, typer.Option(min=1, help="OPC UA measuring time.")] = 20.0,
    rate: Annotated[
        float, typer.Option(min=0, help="MQTT samples/s the publisher offers (0: flat out).")
    ] = 0.0,
    compare: Annotated[
        bool, typer.Option("--compare", help="MQTT: also run the per-message path (A/B).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Ingest throughput, latency and loss over a real broker (mqtt) or server (opcua)."""
    if source == "mqtt":
        cfg = BenchConfig(
            messages=messages, machines=machines, signals=signals, compare=compare, rate=rate
        )
        report = bench_mqtt(cfg, _broker(broker))
    elif source == "opcua":
        report = bench_opcua(items=items, seconds=seconds)
    else:
        raise ConfigError(f"--source must be mqtt or opcua, not {source!r}")
    _print(report, as_json)


def register(bench_app: typer.Typer) -> None:
    """Add ``ingest`` to the ``bench`` command group."""
    bench_app.command("ingest")(ingest)
