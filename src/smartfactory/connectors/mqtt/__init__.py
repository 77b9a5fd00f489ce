"""MQTT (``kind: mqtt``): the Unified Namespace with JSON payloads, in and out."""

from __future__ import annotations

from smartfactory.connectors.mqtt.config import MqttConfig
from smartfactory.connectors.mqtt.connector import MqttConnector
from smartfactory.connectors.mqtt.publish import UnsPublisher
from smartfactory.connectors.mqtt.uns import (
    PayloadRejectedError,
    UnsLimits,
    machine_topic,
    parse_message,
    signal_topic,
)

__all__ = [
    "MqttConfig",
    "MqttConnector",
    "PayloadRejectedError",
    "UnsLimits",
    "UnsPublisher",
    "machine_topic",
    "parse_message",
    "signal_topic",
]
