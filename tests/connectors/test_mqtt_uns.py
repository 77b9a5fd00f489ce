"""UNS topic and payload parsing, including hypothesis-generated garbage."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartfactory.connectors.mqtt import PayloadRejectedError, UnsLimits, parse_message
from smartfactory.connectors.quarantine import Reason

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
MS = int(NOW.timestamp() * 1000)
LIMITS = UnsLimits(max_payload_bytes=1024, timestamp_tolerance_s=60)
P = "acme/seoul/press/line1"


def _parse(topic: str, payload: bytes | str):
    raw = payload.encode() if isinstance(payload, str) else payload
    return parse_message(topic, raw, 4, NOW, LIMITS)


def test_single_signal() -> None:
    (s,) = _parse(f"{P}/p1/temp", json.dumps({"timestamp_ms": MS - 500, "value": 21.5}))
    assert (s.tag, s.value, (NOW - s.ts).total_seconds()) == ("p1/temp", 21.5, 0.5)


def test_several_signals_in_one_object_and_default_time() -> None:
    samples = _parse(f"{P}/p1", json.dumps({"temp": 20, "running": True, "mode": "auto"}))
    assert {s.tag: s.value for s in samples} == {
        "p1/temp": 20,
        "p1/running": True,
        "p1/mode": "auto",
    }
    assert all(s.ts == NOW for s in samples)


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (f"{P}/p1/temp", "{not json", Reason.MALFORMED),
        (f"{P}/p1/temp", b"\xff\xfe", Reason.MALFORMED),
        (f"{P}/p1/temp/extra", '{"value": 1}', Reason.MALFORMED),
        (f"{P}//temp", '{"value": 1}', Reason.MALFORMED),
        (f"{P}/p1/temp", "[1, 2]", Reason.WRONG_TYPE),
        (f"{P}/p1/temp", '{"value": null}', Reason.WRONG_TYPE),
        (f"{P}/p1/temp", '{"value": [1]}', Reason.WRONG_TYPE),
        (f"{P}/p1/temp", json.dumps({"timestamp_ms": MS}), Reason.WRONG_TYPE),
        (f"{P}/p1/temp", '{"timestamp_ms": "x", "value": 1}', Reason.WRONG_TYPE),
        (f"{P}/p1/temp", '{"value": NaN}', Reason.NOT_FINITE),
        (f"{P}/p1", '{"a": 1, "b": Infinity}', Reason.NOT_FINITE),
        (f"{P}/p1/temp", json.dumps({"timestamp_ms": MS + 61_000, "value": 1}), Reason.TIMESTAMP),
        (f"{P}/p1/temp", json.dumps({"value": "x" * 2000}), Reason.OVERSIZED),
        (f"{P}/p1", "{}", Reason.WRONG_TYPE),
    ],
)
def test_rejections_say_why(topic: str, payload: str, reason: Reason) -> None:
    with pytest.raises(PayloadRejectedError) as info:
        _parse(topic, payload)
    assert info.value.reason is reason


@given(st.binary(max_size=300), st.text(max_size=40))
def test_garbage_never_escapes_as_another_exception(payload: bytes, suffix: str) -> None:
    try:
        samples = _parse(f"{P}/{suffix}", payload)
    except PayloadRejectedError as err:
        assert isinstance(err.reason, Reason)
    else:
        assert all(s.ok for s in samples)


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c,
                                                                         max_size=3),
                    max_leaves=10))  # fmt: skip
def test_any_json_is_taken_or_rejected(obj: object) -> None:
    try:
        samples = _parse(f"{P}/p1", json.dumps(obj))
    except PayloadRejectedError:
        return
    assert samples and all(s.ok for s in samples)
