"""The Sparkplug B codec: golden bytes from the protobuf wire format, round trips, garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.connectors.mqtt.uns import PayloadRejectedError
from smartfactory.connectors.quarantine import Reason
from smartfactory.connectors.sparkplug import (
    DataType,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
)

GOLDEN = Payload(timestamp=1, metrics=[Metric("a", 1, None, DataType.INT32, -1)], seq=0)
# field 1 varint 1 | field 2 len 13 { name "a" | alias 1 | datatype 3 | int_value 2**32-1 } | seq 0
GOLDEN_BYTES = bytes.fromhex("0801120d0a01611001200350ffffffff0f1800")


def test_golden_bytes() -> None:
    assert encode_payload(GOLDEN) == GOLDEN_BYTES
    assert decode_payload(GOLDEN_BYTES) == GOLDEN


def test_double_golden_bytes() -> None:
    payload = Payload(metrics=[Metric("t", datatype=DataType.DOUBLE, value=1.5)])
    assert encode_payload(payload) == bytes.fromhex("120e0a0174200a69000000000000f83f")


@pytest.mark.parametrize(
    ("kind", "value"),
    [(DataType.INT8, -128), (DataType.INT16, -2), (DataType.INT32, -(2**31)),
     (DataType.INT64, -(2**63)), (DataType.UINT8, 255), (DataType.UINT16, 65535),
     (DataType.UINT32, 2**32 - 1), (DataType.UINT64, 2**64 - 1), (DataType.FLOAT, 0.5),
     (DataType.DOUBLE, -1e300), (DataType.BOOLEAN, True), (DataType.BOOLEAN, False),
     (DataType.STRING, "온도"), (DataType.TEXT, ""), (DataType.DATETIME, 1_700_000_000_000),
     (DataType.BYTES, b"\x00\xff")],
)  # fmt: skip
def test_every_type_round_trips(kind: DataType, value: object) -> None:
    m = Metric("x", 7, 1_700_000_000_000, kind, value)  # type: ignore[arg-type]
    payload = Payload(timestamp=5, metrics=[m], seq=255, uuid="u-1", body=b"b")
    assert decode_payload(encode_payload(payload)) == payload


def test_null_historical_transient_and_unknown_fields() -> None:
    m = Metric("n", datatype=DataType.DOUBLE, is_null=True, is_historical=True, is_transient=True)
    data = encode_payload(Payload(metrics=[m]))
    assert decode_payload(data).metrics == [m]
    extra = data + bytes.fromhex("b80601")  # field 103, varint 1: an extension, skipped
    assert decode_payload(extra).metrics == [m]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(bytes.fromhex("08"), Reason.MALFORMED),  # truncated varint
     (bytes.fromhex("08ffffffffffffffffffff01"), Reason.MALFORMED),  # 11-byte varint
     (bytes.fromhex("1205"), Reason.MALFORMED),  # length past the end
     (bytes.fromhex("0b"), Reason.MALFORMED),  # group wire type
     (bytes.fromhex("1003"), Reason.MALFORMED),  # metric as a varint
     (bytes.fromhex("1204" "0a02c328"), Reason.MALFORMED),  # name not UTF-8
     (bytes.fromhex("1202" "2063"), Reason.WRONG_TYPE),  # datatype 99
     (bytes.fromhex("1204" "2003" "7801"), Reason.WRONG_TYPE),  # Int32 in boolean_value
     (b"\x00" * 10, Reason.MALFORMED)],  # field number 0
)  # fmt: skip
def test_garbage_is_rejected_with_a_reason(data: bytes, reason: Reason) -> None:
    with pytest.raises(PayloadRejectedError) as caught:
        decode_payload(data)
    assert caught.value.reason is reason


def test_oversized_is_rejected() -> None:
    with pytest.raises(PayloadRejectedError) as caught:
        decode_payload(GOLDEN_BYTES, max_bytes=4)
    assert caught.value.reason is Reason.OVERSIZED


def test_encode_refuses_a_value_of_the_wrong_type() -> None:
    with pytest.raises(ValueError, match="not a INT32"):
        encode_payload(Payload(metrics=[Metric("a", datatype=DataType.INT32, value="x")]))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        payload = decode_payload(data)
    except PayloadRejectedError:
        return
    assert all(isinstance(m, Metric) for m in payload.metrics)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=8), st.floats(allow_nan=False), st.integers(0, 2**64 - 1)),
             max_size=5),
    st.integers(0, 255),
)  # fmt: skip
def test_round_trip_property(rows: list[tuple[str, float, int]], seq: int) -> None:
    metrics = [m for name, x, n in rows for m in (Metric(name, datatype=DataType.DOUBLE, value=x),
                                                    Metric(alias=n, datatype=DataType.UINT64,
                                                           value=n))]  # fmt: skip
    payload = Payload(timestamp=seq, metrics=metrics, seq=seq)
    assert decode_payload(encode_payload(payload)) == payload
