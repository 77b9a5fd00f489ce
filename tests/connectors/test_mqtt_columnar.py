"""The columnar UNS fast path gives exactly what the per-message parser gives (golden tests)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.connectors.base import Sample
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.connectors.mqtt.columnar import UnsBatcher
from smartfactory.connectors.mqtt.uns import PayloadRejectedError, UnsLimits, parse_message
from smartfactory.connectors.quarantine import Quarantine, Reason

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
MS = NOW.timestamp() * 1000
LIMITS = UnsLimits(max_payload_bytes=600, timestamp_tolerance_s=60)
P = "acme/seoul/press/line1"
LEVELS = 4

Entry = tuple[str, str, str, bytes]


def _reference(
    messages: list[tuple[str, bytes, datetime]], allowed: frozenset[str]
) -> tuple[list[tuple[Any, ...]], list[Entry]]:
    """The per-message path as the connector ran it before the fast path."""
    samples: list[Sample] = []
    rejects: list[Entry] = []
    for topic, payload, now in messages:
        try:
            got = parse_message(topic, payload, LEVELS, now, LIMITS)
        except PayloadRejectedError as err:
            rejects.append((f"mqtt:{topic}", str(err.reason), err.detail, payload))
            continue
        for s in got:
            if allowed and s.tag not in allowed:
                rejects.append((f"mqtt:{topic}", str(Reason.UNKNOWN_SIGNAL), s.tag, payload))
            else:
                samples.append(s)
    return sorted(map(_key, samples)), sorted(rejects)


def _key(s: Sample) -> tuple[Any, ...]:
    us = (s.ts - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    v = s.value
    kind = "num" if isinstance(v, int | float) and not isinstance(v, bool) else type(v).__name__
    return (s.tag, us, kind, float(v) if kind == "num" else v)  # type: ignore[arg-type]


def _fast(
    messages: list[tuple[str, bytes, datetime]], allowed: frozenset[str], batches: int = 1
) -> tuple[list[tuple[Any, ...]], list[Entry], int]:
    quarantine = Quarantine(limit=100_000, max_payload_bytes=1 << 20)
    batcher = UnsBatcher(LEVELS, LIMITS, quarantine, allowed)
    keys: list[tuple[Any, ...]] = []
    rows = 0
    cut = max(1, len(messages) // batches)
    for i, (topic, payload, now) in enumerate(messages):
        _, samples = batcher.add(topic, payload, now)
        keys += map(_key, samples)
        if (i + 1) % cut == 0:
            rows += _drain(batcher, keys)
    rows += _drain(batcher, keys)
    rejects = [(e.source, str(e.reason), e.detail, e.payload) for e in quarantine]
    return sorted(keys), sorted(rejects), rows


def _drain(batcher: UnsBatcher, keys: list[tuple[Any, ...]]) -> int:
    table, extra = batcher.build()
    assert table.schema == BUFFER_SCHEMA
    keys += map(_key, extra)
    cols = table.to_pydict()
    for tag, ts, value in zip(cols["tag"], cols["ts"], cols["value"], strict=True):
        assert math.isfinite(value)
        keys.append(_key(Sample(tag, ts, value)))
    return table.num_rows


_numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([math.nan, math.inf, -math.inf, 2**1023, -(2**1023), 2**1100, 1e308]),
)
_values = st.one_of(
    _numbers,
    _numbers,
    _numbers,
    st.booleans(),
    st.text(max_size=4),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
_stamps = st.one_of(
    st.none(),
    st.floats(MS - 90_000, MS + 90_000),
    st.integers(int(MS) - 90_000, int(MS) + 90_000),
    st.floats(MS - 1000, MS + 1000).map(lambda x: round(x, 3)),
    st.sampled_from(["x", True, math.nan, 10**400]),
)
_signals = st.sampled_from(["s0", "s1", "s2", "value", "timestamp_ms", "odd/name"])


@st.composite
def _message(draw: st.DrawFn) -> tuple[str, bytes, datetime]:
    machine = draw(st.sampled_from(["m0", "m1", ""]))
    kind = draw(st.sampled_from(["multi", "multi", "multi", "single", "garbage", "topic"]))
    now = NOW + timedelta(milliseconds=draw(st.integers(0, 5000)))
    obj: dict[str, Any] = {}
    stamp = draw(_stamps)
    if stamp is not None or draw(st.booleans()):
        obj["timestamp_ms"] = stamp
    if kind == "garbage":
        payload = draw(st.sampled_from([b"{oops", b"\xff", b"[1, 2]", b"3", b"{}", b"null"]))
        return f"{P}/m0", payload, now
    if kind == "single":
        if draw(st.integers(0, 9)):
            obj["value"] = draw(_values)
        topic = f"{P}/{machine}/{draw(_signals)}"
    else:
        obj.update(draw(st.dictionaries(_signals, _values, max_size=4)))
        topic = f"{P}/{machine}" if kind == "multi" else f"{P}/{machine}/a/b"
    text = json.dumps(obj)
    if draw(st.integers(0, 19)) == 0:
        text = text + " " * 700  # oversized
    return topic, text.encode(), now


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_message(), max_size=40),
    st.sampled_from([frozenset(), frozenset({"m0/s0", "m0/s1", "m1/s0", "m1/value"})]),
    st.integers(1, 3),
)
def test_fast_path_matches_the_per_message_parser(
    messages: list[tuple[str, bytes, datetime]], allowed: frozenset[str], batches: int
) -> None:
    want_samples, want_rejects = _reference(messages, allowed)
    got_samples, got_rejects, _ = _fast(messages, allowed, batches)
    assert got_samples == want_samples
    assert got_rejects == want_rejects


def test_plain_numeric_messages_become_rows_without_sample_objects() -> None:
    msgs = [
        (f"{P}/m{i % 2}", json.dumps({"timestamp_ms": MS + i, "a": i, "b": i / 2}).encode(), NOW)
        for i in range(50)
    ]
    msgs.append((f"{P}/m0/c", json.dumps({"timestamp_ms": MS, "value": 7}).encode(), NOW))
    quarantine = Quarantine()
    batcher = UnsBatcher(LEVELS, LIMITS, quarantine)
    for topic, payload, now in msgs:
        held, samples = batcher.add(topic, payload, now)
        assert samples == []
        assert held in {1, 2}
    assert batcher.held_rows == 101
    table, extra = batcher.build()
    assert (table.num_rows, extra, batcher.held_rows) == (101, [], 0)
    assert table.column("tag").to_pylist()[:3] == ["m0/a", "m0/b", "m1/a"]
    assert pa.compute.sum(table.column("value")).as_py() == sum(range(50)) * 1.5 + 7
    latest = batcher.latest("m0/c")
    assert latest is not None
    assert (latest.value, latest.ts) == (7, NOW)
    assert batcher.latest("m9/x") is None
    assert len(quarantine) == 0


def test_rejects_found_over_the_batch_keep_their_reasons() -> None:
    msgs = [
        (f"{P}/m0", b'{"a": 1, "b": NaN}', Reason.NOT_FINITE),
        (f"{P}/m0", b'{"a": 1, "b": 1e400}', Reason.NOT_FINITE),
        (f"{P}/m0", json.dumps({"a": 2**1100}).encode(), Reason.NOT_FINITE),
        (f"{P}/m0", json.dumps({"timestamp_ms": MS + 61_000, "a": 1}).encode(), Reason.TIMESTAMP),
        (f"{P}/m0", json.dumps({"timestamp_ms": 10**400, "a": 1}).encode(), Reason.NOT_FINITE),
        (f"{P}/m0", json.dumps({"zz": 1}).encode(), Reason.UNKNOWN_SIGNAL),
    ]
    quarantine = Quarantine()
    batcher = UnsBatcher(LEVELS, LIMITS, quarantine, allowed={"m0/a"})
    for topic, payload, _ in msgs:
        batcher.add(topic, payload, NOW)
    batcher.add(f"{P}/m0", b'{"a": 3}', NOW)
    table, extra = batcher.build()
    assert (table.column("value").to_pylist(), extra) == ([3.0], [])
    assert sorted(e.reason for e in quarantine) == sorted(r for *_, r in msgs)
