"""Hypothesis-generated garbage mixed into valid traffic over the real Mosquitto broker.

For the MQTT UNS and the Sparkplug B connector, each example publishes a shuffled mix of valid
messages (known tags, values and timestamps) and garbage (random bytes, random JSON shapes,
wrong types, NaN/inf, timestamps too old or too new, unknown signals, huge payloads, bad
protobuf), each garbage message built to break one rule so its reason is known. A poller runs
the connector into a DuckDB store. At the end: every valid sample is stored and was taken
exactly once (the poller's count equals the valid count), every garbage message is in the
quarantine with the expected reason (in memory and in the store's table), and the pipeline
is still ONLINE.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.connectors import Backoff, ConnectionState, Poller, PollerConfig, Reason
from smartfactory.connectors import quarantine as repo
from smartfactory.connectors.mqtt import MqttConfig, MqttConnector
from smartfactory.connectors.sparkplug import (
    DataType,
    Metric,
    Payload,
    SparkplugConfig,
    SparkplugConnector,
    encode_payload,
)
from smartfactory.store import DuckDBStore, SignalKey

from .mqtt_helpers import BROKER, require_broker, unique_path

MAX_BYTES = 4096
TOLERANCE_S = 600.0
HOUR_MS = 3_600_000
FAST = PollerConfig(interval_s=0.05, timeout_s=3, backoff=Backoff(initial_s=0.05, max_s=0.2))
EXAMPLES = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Garbage = tuple[str, bytes, Reason]  # (topic suffix, payload, expected reason)


def _not_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return True
    return False


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_json_non_object = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6
)  # top level list or scalar: a payload that is not an object
_bad_values = st.one_of(
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_far_ms = st.one_of(
    st.integers(2 * HOUR_MS // 6, 10**12), st.integers(-(10**12), -(2 * HOUR_MS // 6))
)  # more than TOLERANCE_S away, past or future

uns_garbage = st.one_of(
    st.binary(max_size=64).filter(_not_json).map(lambda b: ("m0/temp", b, Reason.MALFORMED)),
    _json_non_object.map(lambda v: ("m0", json.dumps(v).encode(), Reason.WRONG_TYPE)),
    _bad_values.map(lambda v: ("m1/temp", json.dumps({"value": v}).encode(), Reason.WRONG_TYPE)),
    _bad_values.map(
        lambda v: ("m1", json.dumps({"temp": 1, "speed": v}).encode(), Reason.WRONG_TYPE)
    ),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]).map(
        lambda t: ("m0", f'{{"temp": {t}}}'.encode(), Reason.NOT_FINITE)
    ),
    st.sampled_from(["true", '"1"', "[1]"]).map(
        lambda t: ("m0/speed", f'{{"timestamp_ms": {t}, "value": 1}}'.encode(), Reason.WRONG_TYPE)
    ),
    _far_ms.map(
        lambda d: (
            "m0/temp",
            f'{{"timestamp_ms": {{now}}+{d}, "value": 1}}'.encode(),
            Reason.TIMESTAMP,
        )
    ),
    st.integers(MAX_BYTES + 1, 300_000).map(
        lambda n: ("m1/temp", b'{"value": "' + b"x" * n + b'"}', Reason.OVERSIZED)
    ),
    st.integers(2**1024, 2**1100).map(
        lambda n: ("m0/temp", f'{{"value": {n}}}'.encode(), Reason.NOT_FINITE)
    ),
    st.sampled_from(["m0/bogus", "m9/temp"]).map(
        lambda t: (t, b'{"value": 1}', Reason.UNKNOWN_SIGNAL)
    ),
)


def _derive(tag: str) -> SignalKey | None:
    machine, _, signal = tag.partition("/")
    return SignalKey(machine, signal)


def _stored(store: DuckDBStore) -> set[tuple[str, int, float]]:
    signals = store.signals()
    name = {
        sid: f"{m}/{n}"
        for sid, m, n in zip(
            signals.column("signal_id").to_pylist(),
            signals.column("machine").to_pylist(),
            signals.column("name").to_pylist(),
            strict=True,
        )
    }
    rows = store.query_samples(
        list(name), datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    ts = rows.column("ts").cast(pa.int64()).to_pylist()
    return {
        (name[i], t // 1000, float(v))
        for i, t, v in zip(
            rows.column("signal_id").to_pylist(), ts, rows.column("value").to_pylist(), strict=True
        )
    }


async def _drive(poller: Poller, publish: object, valid: int, garbage: int) -> None:
    task = asyncio.create_task(poller.run())
    try:
        async with asyncio.timeout(10):
            while poller.state is not ConnectionState.ONLINE:
                await asyncio.sleep(0.02)
        await publish()  # type: ignore[operator]
        async with asyncio.timeout(20):
            while poller.stats.good_samples < valid or sum(poller.rejects().values()) < garbage:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # anything extra (a duplicate) would arrive now
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)


@pytest.fixture(autouse=True)
def _broker() -> None:
    require_broker()


@EXAMPLES
@given(
    garbage=st.lists(uns_garbage, min_size=1, max_size=12),
    valid_count=st.integers(1, 15),
    order=st.randoms(use_true_random=False),
)
def test_uns_garbage_is_quarantined_and_valid_samples_arrive_once(
    garbage: list[Garbage], valid_count: int, order: object
) -> None:
    path = unique_path()
    now = int(datetime.now(UTC).timestamp() * 1000)
    expected: set[tuple[str, int, float]] = set()
    messages: list[tuple[str, bytes]] = []
    for i in range(valid_count):
        ts = now - 1000 + i
        if i % 2:
            messages.append(
                (
                    f"{path}/m{i % 2}",
                    json.dumps({"timestamp_ms": ts, "temp": i + 0.5, "speed": -i}).encode(),
                )
            )
            expected |= {(f"m{i % 2}/temp", ts, i + 0.5), (f"m{i % 2}/speed", ts, float(-i))}
        else:
            messages.append(
                (f"{path}/m0/speed", json.dumps({"timestamp_ms": ts, "value": i}).encode())
            )
            expected.add(("m0/speed", ts, float(i)))
    for suffix, drawn, _ in garbage:
        raw = drawn
        if b"{now}+" in raw:  # a timestamp relative to now
            head, _, tail = raw.partition(b"{now}+")
            offset, _, rest = tail.partition(b",")
            raw = head + str(now + int(offset)).encode() + b"," + rest
        messages.append((f"{path}/{suffix}", raw))
    order.shuffle(messages)  # type: ignore[attr-defined]
    allowed = [f"m{m}/{s}" for m in (0, 1) for s in ("temp", "speed")]
    config = MqttConfig(
        path=path,
        client_id=f"sf-{uuid.uuid4().hex}",
        signals=allowed,
        max_payload_bytes=MAX_BYTES,
        timestamp_tolerance_s=TOLERANCE_S,
    )

    async def publish() -> None:
        async with asyncio.timeout(15), aiomqtt.Client(*BROKER) as client:
            for topic, raw in messages:
                await client.publish(topic, raw, qos=1)

    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "plant.duckdb")
        try:
            conn = MqttConnector(config)
            poller = Poller(
                conn,
                {},
                store,
                spill_dir=Path(tmp) / "spill",
                derive_key=_derive,
                rng=np.random.default_rng(0),
                config=FAST,
            )
            asyncio.run(_drive(poller, publish, len(expected), len(garbage)))
            assert _stored(store) == expected
            assert poller.stats.good_samples == len(expected)  # none twice
            want = Counter(str(reason) for _, _, reason in garbage)
            assert poller.rejects() == dict(want)
            durable = Counter()
            for c in repo.counts(store):
                durable[c.reason] += c.count
            assert durable == want
            kept = {e.payload for e in repo.entries(store, limit=100)}
            assert {raw[:4096] for _, raw, r in garbage if r is Reason.MALFORMED} <= kept
            assert poller.state is not ConnectionState.OFFLINE
        finally:
            store.close()


def _sp_garbage(alias_ts: int) -> st.SearchStrategy[tuple[object, Reason]]:
    """Garbage NDATA bodies: bytes (undecodable) or a Payload (decodable, gets a seq)."""
    far = _far_ms.map(
        lambda d: Payload(
            None, [Metric(alias=1, timestamp=alias_ts + d, datatype=DataType.DOUBLE, value=1.0)]
        )
    )
    return st.one_of(
        st.binary(max_size=48).map(lambda b: (b"\x07" + b, Reason.MALFORMED)),
        st.binary(min_size=1, max_size=8).map(lambda b: (b"\x12\x7f" + b, Reason.MALFORMED)),
        st.sampled_from([float("nan"), float("inf"), float("-inf")]).map(
            lambda v: (
                Payload(
                    None, [Metric(alias=1, timestamp=alias_ts, datatype=DataType.DOUBLE, value=v)]
                ),
                Reason.NOT_FINITE,
            )
        ),
        st.just(
            (
                Payload(
                    None,
                    [Metric(alias=2, timestamp=alias_ts, datatype=DataType.DOUBLE, is_null=True)],
                ),
                Reason.WRONG_TYPE,
            )
        ),
        st.binary(max_size=8).map(
            lambda b: (
                Payload(
                    None, [Metric("blob", timestamp=alias_ts, datatype=DataType.BYTES, value=b)]
                ),
                Reason.WRONG_TYPE,
            )
        ),
        far.map(lambda p: (p, Reason.TIMESTAMP)),
        st.just(
            (
                Payload(
                    None, [Metric("bogus", timestamp=alias_ts, datatype=DataType.DOUBLE, value=1.0)]
                ),
                Reason.UNKNOWN_SIGNAL,
            )
        ),
        st.integers(MAX_BYTES, 200_000).map(
            lambda n: (
                encode_payload(
                    Payload(None, [Metric("t", datatype=DataType.STRING, value="x" * n)])
                ),
                Reason.OVERSIZED,
            )
        ),
    )


NOW_MS = int(datetime.now(UTC).timestamp() * 1000)


@EXAMPLES
@given(
    garbage=st.lists(_sp_garbage(NOW_MS), min_size=1, max_size=10),
    valid_count=st.integers(1, 12),
    order=st.randoms(use_true_random=False),
)
def test_sparkplug_garbage_is_quarantined_and_valid_samples_arrive_once(
    garbage: list[tuple[object, Reason]], valid_count: int, order: object
) -> None:
    group = unique_path().split("/")[0]
    base = f"spBv1.0/{group}"
    now = int(datetime.now(UTC).timestamp() * 1000)
    shift = now - NOW_MS  # the strategies' times were drawn relative to import time
    bodies: list[object] = []
    expected: set[tuple[str, int, float]] = set()
    for i in range(valid_count):
        ts = now - 1000 + i
        bodies.append(
            Payload(
                None,
                [
                    Metric(alias=1, timestamp=ts, datatype=DataType.DOUBLE, value=i + 0.25),
                    Metric(alias=2, timestamp=ts, datatype=DataType.DOUBLE, value=-i),
                ],
            )
        )
        expected |= {("e1/t", ts, i + 0.25), ("e1/s", ts, float(-i))}
    for drawn, _ in garbage:
        if isinstance(drawn, Payload):  # shift its times to this run's now
            metrics = [
                Metric(
                    m.name,
                    m.alias,
                    None if m.timestamp is None else m.timestamp + shift,
                    m.datatype,
                    m.value,
                    m.is_null,
                )
                for m in drawn.metrics
            ]
            bodies.append(Payload(None, metrics))
        else:
            bodies.append(drawn)
    order.shuffle(bodies)  # type: ignore[attr-defined]
    seq = 0
    wire: list[bytes] = []
    for body in bodies:
        if isinstance(body, Payload):  # decodable: it takes the next sequence number
            seq += 1
            wire.append(encode_payload(Payload(now, body.metrics, seq=seq % 256)))
        else:
            assert isinstance(body, bytes)
            wire.append(body)
    birth = Payload(
        now,
        [Metric("t", 1, now, DataType.DOUBLE, 0.0), Metric("s", 2, now, DataType.DOUBLE, 0.0)],
        seq=0,
    )
    expected |= {("e1/t", now, 0.0), ("e1/s", now, 0.0)}
    config = SparkplugConfig(
        group=group,
        client_id=f"sf-{uuid.uuid4().hex}",
        max_payload_bytes=MAX_BYTES,
        timestamp_tolerance_s=TOLERANCE_S,
        signals=["e1/t", "e1/s"],
        rebirth_interval_s=60,
    )

    async def publish() -> None:
        async with asyncio.timeout(15), aiomqtt.Client(*BROKER) as client:
            await client.publish(f"{base}/NBIRTH/e1", encode_payload(birth), qos=1)
            for raw in wire:
                await client.publish(f"{base}/NDATA/e1", raw, qos=1)

    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "plant.duckdb")
        try:
            conn = SparkplugConnector(config)
            poller = Poller(
                conn,
                {},
                store,
                spill_dir=Path(tmp) / "spill",
                derive_key=_derive,
                rng=np.random.default_rng(0),
                config=FAST,
            )
            asyncio.run(_drive(poller, publish, len(expected), len(garbage)))
            assert _stored(store) == expected
            assert poller.stats.good_samples == len(expected)
            want = Counter(str(reason) for _, reason in garbage)
            assert poller.rejects() == dict(want)
            assert conn.rebirths_sent == 0  # garbage never broke the sequence
            durable = Counter()
            for c in repo.counts(store):
                durable[c.reason] += c.count
            assert durable == want
        finally:
            store.close()
