"""Sparkplug B over MQTT (``kind: sparkplug``): codec, host state, connector; no protobuf."""

from __future__ import annotations

from smartfactory.connectors.sparkplug.connector import SparkplugConfig, SparkplugConnector
from smartfactory.connectors.sparkplug.payload import (
    DataType,
    Metric,
    MetricValue,
    Payload,
    decode_payload,
    encode_payload,
)
from smartfactory.connectors.sparkplug.session import (
    MessageType,
    Outcome,
    SparkplugHost,
    Topic,
    parse_topic,
    rebirth_request,
)
from smartfactory.connectors.sparkplug.wire import WireError

__all__ = [
    "DataType",
    "MessageType",
    "Metric",
    "MetricValue",
    "Outcome",
    "Payload",
    "SparkplugConfig",
    "SparkplugConnector",
    "SparkplugHost",
    "Topic",
    "WireError",
    "decode_payload",
    "encode_payload",
    "parse_topic",
    "rebirth_request",
]
