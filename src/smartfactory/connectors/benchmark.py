"""Ingest benchmarks: how fast connector data reaches the store, and whether any is lost.

:func:`bench_mqtt` measures the MQTT UNS path end to end on a real Mosquitto broker (a private
one started on a free loopback port, or ``broker=(host, port)``):

1. a publisher in a separate process (``multiprocessing``, spawn) publishes ``messages`` QoS 1
   messages, each one UNS object carrying ``signals`` signals of one of ``machines`` machines
   (``"several signals in one object"``), stamped with their publish time (microseconds, as a
   fractional ``timestamp_ms``; unique per machine);
2. *ours*: an :class:`MqttConnector` (manual acknowledgement) driven by a :class:`Poller`
   (write-ahead log on) into a DuckDB store; a sample's latency is from its publish time to
   the return of the store write that made it queryable;
   With ``compare`` the same load also runs through the per-message path the connector had
   before its columnar fast path (:class:`_PerMessageConnector`: a ``Sample`` per value,
   rows converted one by one), in the same process and broker, for an A/B under equal load;
3. *raw*: the same messages, published again, consumed by a bare aiomqtt client that only
   parses them (``json.loads``) - the ceiling a Python consumer reaches on this machine;
4. the store is read back: ``lost`` = published (signal, ts) pairs not stored, ``duplicates``
   = samples the pipeline took more than once (redeliveries) plus rows stored twice.

With ``rate`` the publisher is paced to that many samples per second (the latency of a
sustainable load); without it, it publishes as fast as it can and the latency includes the time
a burst waits in the broker. Rates are samples over the wall time from the first publish to
the last sample handled, so a publisher slower than the consumer caps both (the ratio is then
~1); ``publisher_samples_per_s`` says how fast it offered them. :func:`bench_opcua` runs an
asyncua server in a separate process with ``items`` variables changing every second and
subscribes to all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from smartfactory.connectors.backoff import Backoff
from smartfactory.connectors.base import Sample
from smartfactory.connectors.mqtt.config import MqttConfig
from smartfactory.connectors.mqtt.connector import MqttConnector
from smartfactory.connectors.mqtt.uns import PayloadRejectedError, parse_message
from smartfactory.connectors.opcua import OpcUaConfig, OpcUaConnector
from smartfactory.connectors.poller import ConnectionState, Poller, PollerConfig
from smartfactory.store.base import SignalKey, Store
from smartfactory.store.duckdb import DuckDBStore

__all__ = ["BenchConfig", "bench_mqtt", "bench_opcua", "private_broker"]

MOSQUITTO = "/usr/sbin/mosquitto"
_FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """The shape of the MQTT load: messages, machines, signals per message, publisher window."""

    messages: int = 5_000
    machines: int = 10
    signals: int = 100
    window: int = 200  # QoS 1 publishes in flight at the publisher
    timeout_s: float = 120.0
    compare: bool = False  # also run the per-message path (A/B in the same run)
    rate: float = 0.0  # samples/s the publisher offers (paced); 0: as fast as it can


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def private_broker(folder: Path) -> Iterator[int]:
    """A Mosquitto on a free loopback port for the benchmark; yields its port.

    Its queue and in-flight limits are raised (the defaults, 1000 queued and 20 in flight
    per client, would drop or throttle a burst); persistence is off.
    """
    port = _free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 10000000\nmax_inflight_messages 1000\n"
    )
    proc = subprocess.Popen(  # noqa: S603 - a fixed program and our own config file
        [MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the private mosquitto did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _publish(host: str, port: int, path: str, cfg: BenchConfig, out: Connection) -> None:
    """The publisher process: publish, then send back (start, end, per-message ts in us)."""
    asyncio.run(_publish_all(host, port, path, cfg, out))


async def _publish_all(host: str, port: int, path: str, cfg: BenchConfig, out: Connection) -> None:
    import aiomqtt  # noqa: PLC0415 - imported in the spawned process

    names = [f"s{k:03d}" for k in range(cfg.signals)]
    body = ", ".join(f'"{n}": {{v}}' for n in names)
    template = '{{"timestamp_ms": {ts}, ' + body + "}}"
    stamps = np.zeros(cfg.messages, dtype=np.int64)
    last = np.zeros(cfg.machines, dtype=np.int64)
    window = asyncio.Semaphore(cfg.window)
    async with aiomqtt.Client(host, port, timeout=30, max_inflight_messages=cfg.window) as client:
        client.pending_calls_threshold = cfg.window + 1  # no warning per publish in the window
        start = time.time()

        async def one(i: int, topic: str, payload: str) -> None:
            try:
                await client.publish(topic, payload, qos=1)
            finally:
                window.release()

        tasks: set[asyncio.Task[None]] = set()
        for i in range(cfg.messages):
            m = i % cfg.machines
            us = max(int(time.time() * 1e6), int(last[m]) + 1)
            last[m] = us
            stamps[i] = us
            if cfg.rate > 0:  # paced: message i leaves at start + i * signals / rate
                delay = start + i * cfg.signals / cfg.rate - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                us = max(int(time.time() * 1e6), int(last[m]) + 1)
                last[m] = us
                stamps[i] = us
            payload = template.format(ts=f"{us / 1000:.3f}", v=i)
            await window.acquire()
            task = asyncio.create_task(one(i, f"{path}/m{m:02d}", payload))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        end = time.time()
    out.send((start, end, stamps.tobytes()))
    out.close()


class _TimedStore:
    """A store that notes, per written row, publish-to-queryable latency (from the row's ts)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.latencies: list[np.ndarray[Any, np.dtype[np.int64]]] = []
        self.last_write = 0.0

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - a transparent wrapper
        return getattr(self.inner, name)

    def write_samples(self, batch: pa.Table) -> int:
        written = self.inner.write_samples(batch)
        now_us = int(time.time() * 1e6)
        ts = batch.column("ts").cast(pa.int64()).to_numpy()
        self.latencies.append(now_us - ts)
        self.last_write = time.time()
        return written


def _start_publisher(
    host: str, port: int, path: str, cfg: BenchConfig
) -> tuple[mp.process.BaseProcess, Connection]:
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_publish, args=(host, port, path, cfg, sender), daemon=True)
    proc.start()
    sender.close()
    return proc, receiver


def _collect(
    proc: mp.process.BaseProcess, pipe: Connection, timeout_s: float
) -> tuple[float, float, bytes]:
    if not pipe.poll(timeout_s):
        proc.kill()
        raise TimeoutError("the publisher did not finish")
    start, end, stamps = pipe.recv()
    proc.join(10)
    return float(start), float(end), bytes(stamps)


class _PerMessageConnector(MqttConnector):
    """The UNS connector as it was before the columnar path: a ``Sample`` per value (for A/B).

    ``receive`` is set on the instance, so the poller drives it through ``receive()``.
    """

    def __init__(self, config: MqttConfig) -> None:
        super().__init__(config)
        self.receive = self._receive_samples  # type: ignore[method-assign]

    async def _run(self, client: Any) -> None:  # noqa: ANN401 - aiomqtt.Client
        import aiomqtt  # noqa: PLC0415 - as the parent

        levels = self.config.path.count("/") + 1
        try:
            async for message in client.messages:
                await self.inbox.wait_room()
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                topic = str(message.topic)
                samples: list[Sample] = []
                try:
                    samples = parse_message(topic, raw, levels, self.clock(), self.limits)
                except PayloadRejectedError as err:
                    self.quarantine.add(f"mqtt:{topic}", err.reason, err.detail, raw)
                self.inbox.put(samples)
                self.inbox.note(message.mid, message.qos)
        except aiomqtt.MqttError as err:
            self.inbox.lose(str(err))

    async def _receive_samples(self, max_wait_s: float) -> list[Sample]:
        return await self.inbox.take(max_wait_s, connected=self._client is not None)


async def _ours(
    host: str, port: int, path: str, cfg: BenchConfig, work: Path, *, per_message: bool = False
) -> dict[str, Any]:
    work = work / ("per-message" if per_message else "columnar")
    work.mkdir(parents=True, exist_ok=True)
    store = _TimedStore(DuckDBStore(work / "bench.duckdb"))

    def derive(tag: str) -> SignalKey | None:
        machine, _, signal = tag.partition("/")
        return SignalKey(machine, signal)

    config = MqttConfig(
        host=host, port=port, path=path, client_id=f"bench-{uuid.uuid4().hex}",
        max_payload_bytes=1 << 20, max_pending=1_000_000, timestamp_tolerance_s=86_400,
    )  # fmt: skip
    connector = _PerMessageConnector(config) if per_message else MqttConnector(config)
    poller = Poller(
        connector, {}, store,
        spill_dir=work / "spill", derive_key=derive, rng=np.random.default_rng(0),
        config=PollerConfig(interval_s=0.05, timeout_s=10, max_buffer_rows=2_000_000,
                            batch_rows=200_000, backoff=Backoff(initial_s=0.05, max_s=0.5)),
    )  # fmt: skip
    # the signals are known in advance, as a plant file's are: registering them is set-up
    # (timed apart in ``register_s``), not part of the ingest being measured
    reg0 = time.monotonic()
    store.inner.register_signals(
        [
            SignalKey(f"m{m:02d}", f"s{k:03d}")
            for m in range(cfg.machines)
            for k in range(cfg.signals)
        ]
    )
    register_s = time.monotonic() - reg0
    cpu0 = time.process_time()
    task = asyncio.create_task(poller.run())
    expected = cfg.messages * cfg.signals
    try:
        async with asyncio.timeout(10):
            while poller.state is not ConnectionState.ONLINE:
                await asyncio.sleep(0.01)
        proc, pipe = _start_publisher(host, port, path, cfg)
        async with asyncio.timeout(cfg.timeout_s):
            while poller.stats.stored_rows < expected and proc.is_alive():
                await asyncio.sleep(0.02)
            while poller.stats.stored_rows < expected and poller.stats.good_samples < expected:
                await asyncio.sleep(0.02)
            while poller.buffer.pending():
                await asyncio.sleep(0.02)
        start, end, raw_stamps = await asyncio.to_thread(_collect, proc, pipe, 30)
        await asyncio.sleep(0.3)  # a redelivery would show now
    finally:
        poller.stop()
        await task
    cpu = time.process_time() - cpu0
    stamps = np.frombuffer(raw_stamps, dtype=np.int64)
    lost, doubled = _check(store.inner, stamps, cfg)
    lat = np.concatenate(store.latencies) if store.latencies else np.zeros(1, np.int64)
    wall = max(store.last_write - start, 1e-9)
    store.inner.close()
    return {
        "samples": expected,
        "samples_per_s": expected / wall,
        "publisher_samples_per_s": expected / max(end - start, 1e-9),
        "p50_latency_ms": float(np.percentile(lat, 50)) / 1000,
        "p99_latency_ms": float(np.percentile(lat, 99)) / 1000,
        "lost": lost,
        "duplicates": doubled + max(0, poller.stats.good_samples - expected),
        "cpu_s": cpu,
        "register_s": register_s,
    }


def _check(store: Store, stamps: np.ndarray[Any, Any], cfg: BenchConfig) -> tuple[int, int]:
    """(published samples not stored, rows stored more than once)."""
    signals = store.signals()
    ids = [int(i) for i in signals.column("signal_id").to_pylist() if i is not None]
    rows = store.query_samples(ids, *_FAR)
    machine_of = dict(zip(ids, signals.column("machine").to_pylist(), strict=True))
    got: dict[str, list[np.ndarray[Any, Any]]] = {}
    sid = rows.column("signal_id").to_numpy()
    ts = rows.column("ts").cast(pa.int64()).to_numpy()
    for i in ids:
        got.setdefault(str(machine_of[i]), []).append(ts[sid == i])
    lost = doubled = 0
    for m in range(cfg.machines):
        want = np.unique(stamps[m :: cfg.machines])
        per_signal = got.get(f"m{m:02d}", [])
        lost += (cfg.signals - len(per_signal)) * len(want)
        for arr in per_signal:
            doubled += len(arr) - len(np.unique(arr))
            lost += int(np.count_nonzero(~np.isin(want, arr)))
    return lost, doubled


async def _raw(host: str, port: int, path: str, cfg: BenchConfig) -> dict[str, Any]:
    import aiomqtt  # noqa: PLC0415

    expected = cfg.messages * cfg.signals
    samples = 0
    last = 0.0
    async with aiomqtt.Client(host, port, clean_session=True, timeout=30) as client:
        await client.subscribe(f"{path}/#", qos=1)
        proc, pipe = _start_publisher(host, port, path, cfg)
        async with asyncio.timeout(cfg.timeout_s):
            async for message in client.messages:
                payload = message.payload
                obj = json.loads(payload if isinstance(payload, bytes) else str(payload))
                samples += len(obj) - 1
                last = time.time()
                if samples >= expected:
                    break
        start, _, _ = await asyncio.to_thread(_collect, proc, pipe, 30)
    return {"raw_samples_per_s": samples / max(last - start, 1e-9)}


def bench_mqtt(cfg: BenchConfig, broker: tuple[str, int] | None = None) -> dict[str, Any]:
    """Ours and raw on the same messages (see the module docstring); one JSON-ready dict."""
    work = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            if broker is None:
                host, port = "127.0.0.1", stack.enter_context(private_broker(work))
            else:
                host, port = broker
            path = f"bench{uuid.uuid4().hex[:8]}/site/area/line"
            wall0, cpu0 = time.monotonic(), time.process_time()
            ours = asyncio.run(_ours(host, port, path, cfg, work))
            if cfg.compare:
                old = asyncio.run(_ours(host, port, f"{path}old", cfg, work, per_message=True))
                ours["per_message"] = old
                ours["speedup"] = ours["samples_per_s"] / max(old["samples_per_s"], 1e-9)
            raw = asyncio.run(_raw(host, port, f"{path}raw", cfg))
            wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict[str, Any] = {
        "source": "mqtt",
        "messages": cfg.messages,
        "signals_per_message": cfg.signals,
        "offered_rate": cfg.rate or None,
        **ours,
        **raw,
    }
    report["ratio"] = report["samples_per_s"] / max(report["raw_samples_per_s"], 1e-9)
    if cfg.compare:
        old = report["per_message"]
        old["ratio"] = old["samples_per_s"] / max(report["raw_samples_per_s"], 1e-9)
    report["bench_cpu_s"] = cpu
    report["bench_wall_s"] = wall
    report["cpus"] = os.cpu_count()
    return report


def _opcua_server(port: int, items: int, ready: Connection, stop: Event) -> None:
    asyncio.run(_serve_opcua(port, items, ready, stop))


async def _serve_opcua(port: int, items: int, ready: Connection, stop: Event) -> None:
    from asyncua import ua  # noqa: PLC0415 - imported in the spawned process
    from asyncua.server.server import Server  # noqa: PLC0415
    from asyncua.ua.attribute_ids import AttributeIds  # noqa: PLC0415

    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
    ns = await server.register_namespace("urn:smartfactory:bench")
    folder = await server.nodes.objects.add_folder(ns, "Bench")
    adds = []  # one AddNodes call for every variable: add_variable per node takes minutes
    for i in range(items):
        attrs = ua.VariableAttributes()
        attrs.DisplayName = ua.LocalizedText(f"v{i}")
        attrs.Value = ua.Variant(0.0, ua.VariantType.Double)
        attrs.DataType = ua.NodeId.from_string("i=11")  # Double
        attrs.ValueRank = -1
        attrs.AccessLevel = ua.AccessLevel.CurrentRead.mask
        attrs.UserAccessLevel = ua.AccessLevel.CurrentRead.mask
        item = ua.AddNodesItem()
        item.RequestedNewNodeId = ua.NodeId.from_string(f"ns={ns};s=v{i}")
        item.BrowseName = ua.QualifiedName(f"v{i}", ns)
        item.NodeClass = ua.NodeClass.Variable
        item.ParentNodeId = folder.nodeid
        item.ReferenceTypeId = ua.NodeId.from_string("i=47")  # HasComponent
        item.TypeDefinition = ua.NodeId.from_string("i=63")  # BaseDataVariableType
        item.NodeAttributes = attrs
        adds.append(item)
    results = await server.iserver.isession.add_nodes(adds)
    node_ids = [r.AddedNodeId for r in results]
    # asyncua 2.1 has no batched value write; the address space's own write is the cheapest
    # per value (Server.write_attribute_value adds two coroutine layers per call)
    write = server.iserver.aspace.write_attribute_value
    value_attr = AttributeIds.Value
    double = ua.VariantType.Double
    async with server:
        ready.send(ns)
        tick = 0
        while not stop.is_set():
            tick += 1
            now = datetime.now(UTC)
            stamp: Any = now  # asyncua types it as its own DateTime alias
            base = float(tick * 100_000)
            for i, node_id in enumerate(node_ids):
                dv = ua.DataValue(ua.Variant(base + i, double), SourceTimestamp=stamp,
                                  ServerTimestamp=stamp)  # fmt: skip
                await write(node_id, value_attr, dv)
            await asyncio.sleep(max(0.0, 1.0 - (datetime.now(UTC) - now).total_seconds()))


def bench_opcua(items: int = 10_000, seconds: float = 20.0) -> dict[str, Any]:
    """Subscribe to ``items`` variables changing at 1 Hz for ``seconds``; loss and CPU."""
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    port = _free_port()
    proc = ctx.Process(target=_opcua_server, args=(port, items, sender, stop), daemon=True)
    proc.start()
    work = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    try:
        if not receiver.poll(480):  # 10,000 nodes take minutes on a loaded machine
            raise TimeoutError("the OPC UA server did not start")
        ns = receiver.recv()
        tags = [{"name": f"v{i}", "node_id": f"ns={ns};s=v{i}"} for i in range(items)]
        config = OpcUaConfig.model_validate(
            {"url": f"opc.tcp://127.0.0.1:{port}/bench/", "tags": tags, "mode": "subscribe",
             "publishing_interval_ms": 500, "sampling_interval_ms": 250, "queue_size": 10,
             "timeout_s": 60}
        )  # fmt: skip
        keys = {f"v{i}": SignalKey("bench", f"v{i}") for i in range(items)}
        result = asyncio.run(_run_opcua(OpcUaConnector(config), keys, work, seconds, proc.pid or 0))
    finally:
        stop.set()
        proc.join(15)
        if proc.is_alive():
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    result.update({"source": "opcua", "items": items})
    return result


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process used so far; NaN where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run_opcua(
    conn: OpcUaConnector, keys: dict[str, SignalKey], work: Path, seconds: float, server_pid: int
) -> dict[str, Any]:
    store = DuckDBStore(work / "bench.duckdb")
    poller = Poller(
        conn, keys, store, spill_dir=work / "spill", rng=np.random.default_rng(0),
        config=PollerConfig(interval_s=0.2, timeout_s=60, max_buffer_rows=1_000_000,
                            batch_rows=200_000),
    )  # fmt: skip
    task = asyncio.create_task(poller.run())
    try:
        async with asyncio.timeout(180):
            while poller.stats.good_samples < len(keys):  # subscribed, first values in
                await asyncio.sleep(0.1)
        stored0, wall0, cpu0 = poller.stats.stored_rows, time.monotonic(), time.process_time()
        server0 = _cpu_of(server_pid)
        await asyncio.sleep(seconds)
        stored, wall = poller.stats.stored_rows - stored0, time.monotonic() - wall0
        cpu = time.process_time() - cpu0
        server_cpu = _cpu_of(server_pid) - server0
    finally:
        poller.stop()
        await task
    ids = [int(i) for i in store.signals().column("signal_id").to_pylist() if i is not None]
    rows = store.query_samples(ids, *_FAR)
    per_item = np.bincount(rows.column("signal_id").to_numpy())[ids]
    store.close()
    changes = len(keys) * wall  # 1 Hz per item
    return {
        "seconds": wall,
        "samples": stored,
        "samples_per_s": stored / wall,
        "expected_per_s": len(keys) * 1.0,
        "lost": max(0, round(changes - stored - len(keys))),  # one tick of slack at the edges
        "min_samples_per_item": int(per_item.min()),
        "cpu_used": cpu / wall,
        "server_cpu_used": server_cpu / wall,
        "reconnects": poller.stats.connect_failures + poller.stats.read_failures,
        "repeats": conn.repeats,
    }
