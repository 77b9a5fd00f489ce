"""The Sparkplug B host: births, aliases, sequence numbers, deaths and rebirth requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smartfactory.connectors.mqtt.uns import PayloadRejectedError
from smartfactory.connectors.quarantine import Reason
from smartfactory.connectors.sparkplug import (
    DataType,
    MessageType,
    Metric,
    Payload,
    SparkplugHost,
    Topic,
    decode_payload,
    encode_payload,
    parse_topic,
    rebirth_request,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MS = 1_767_225_600_000  # NOW in ms
D = DataType


def _send(host: SparkplugHost, kind: str, seq: int, metrics: list[Metric], device: str = ""):  # type: ignore[no-untyped-def]
    topic = f"spBv1.0/plant/{kind}/edge1" + (f"/{device}" if device else "")
    return host.handle(topic, encode_payload(Payload(MS, metrics, seq)), NOW)


def test_topics() -> None:
    assert parse_topic("spBv1.0/g/DDATA/e/d") == Topic("g", MessageType.DDATA, "e", "d")
    assert parse_topic("spBv1.0/g/NBIRTH/e") == Topic("g", MessageType.NBIRTH, "e")
    for bad in ("spBv1.0/g/NDATA/e/d", "spBv1.0/g/DDATA/e", "spAv1.0/g/NDATA/e",
                "spBv1.0/g/XDATA/e", "spBv1.0//NDATA/e"):  # fmt: skip
        with pytest.raises(PayloadRejectedError):
            parse_topic(bad)


def test_birth_aliases_data_and_death() -> None:
    host = SparkplugHost()
    birth = _send(host, "NBIRTH", 0, [Metric("temp", 1, None, D.DOUBLE, 20.0),
                                      Metric("count", 2, None, D.INT32, -3)])  # fmt: skip
    assert [(s.tag, s.value) for s in birth.samples] == [("edge1/temp", 20.0), ("edge1/count", -3)]
    assert not birth.rebirth and host.online("plant", "edge1")
    dbirth = _send(host, "DBIRTH", 1, [Metric("speed", 1, None, D.FLOAT, 1.5)], device="press")
    assert [s.tag for s in dbirth.samples] == ["edge1/press/speed"]
    data = _send(host, "NDATA", 2, [Metric(alias=1, timestamp=MS + 500, datatype=D.DOUBLE,
                                           value=21.0)])  # fmt: skip
    assert [(s.tag, s.value) for s in data.samples] == [("edge1/temp", 21.0)]
    assert data.samples[0].ts == datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)
    ddata = _send(host, "DDATA", 3, [Metric(alias=1, datatype=D.FLOAT, value=2.5)], device="press")
    assert [(s.tag, s.value, s.ts) for s in ddata.samples] == [("edge1/press/speed", 2.5, NOW)]
    _send(host, "DDEATH", 4, [], device="press")
    assert host.online("plant", "edge1") and not host.online("plant", "edge1", "press")
    _send(host, "NDEATH", 0, [])
    assert not host.online("plant", "edge1")


def test_sequence_gap_unknown_alias_and_unborn_node_ask_for_rebirth() -> None:
    host = SparkplugHost()
    unborn = _send(host, "NDATA", 5, [Metric("temp", datatype=D.DOUBLE, value=1.0)])
    assert unborn.rebirth and [s.tag for s in unborn.samples] == ["edge1/temp"]
    _send(host, "NBIRTH", 0, [Metric("temp", 1, None, D.DOUBLE, 20.0)])
    gap = _send(host, "NDATA", 2, [Metric(alias=1, datatype=D.DOUBLE, value=22.0)])
    assert gap.rebirth and len(gap.samples) == 1  # the value itself is still good
    assert not _send(host, "NDATA", 3, [Metric(alias=1, datatype=D.DOUBLE, value=23.0)]).rebirth
    unknown = _send(host, "NDATA", 4, [Metric(alias=9, datatype=D.DOUBLE, value=1.0)])
    assert unknown.rebirth and unknown.rejected == [(Reason.UNKNOWN_SIGNAL, "edge1: alias 9")]
    wrap = SparkplugHost()
    _send(wrap, "NBIRTH", 255, [])
    assert not _send(wrap, "NDATA", 0, []).rebirth  # 255 -> 0 wraps


def test_null_and_non_finite_metrics_are_rejected_with_reasons() -> None:
    host = SparkplugHost()
    out = _send(host, "NBIRTH", 0, [Metric("a", datatype=D.DOUBLE, is_null=True),
                                    Metric("b", datatype=D.DOUBLE, value=float("inf")),
                                    Metric("c", datatype=D.BYTES, value=b"x"),
                                    Metric("d", datatype=D.STRING, value="ok")])  # fmt: skip
    assert [r for r, _ in out.rejected] == [Reason.WRONG_TYPE, Reason.NOT_FINITE, Reason.WRONG_TYPE]
    assert [(s.tag, s.value) for s in out.samples] == [("edge1/d", "ok")]


def test_rebirth_request_payload() -> None:
    topic, data = rebirth_request("plant", "edge1", MS)
    assert topic == "spBv1.0/plant/NCMD/edge1"
    (metric,) = decode_payload(data).metrics
    assert (metric.name, metric.datatype, metric.value) == ("Node Control/Rebirth", D.BOOLEAN, True)
