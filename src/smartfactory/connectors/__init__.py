"""Connectors: getting data off machines, losslessly and self-healing.

``base`` is the contract, ``registry`` finds connector classes through the
``smartfactory.connectors`` entry points, ``poller`` drives one connector instance into the
store (state, back-off, buffering, the ``wal`` write-ahead log), ``quarantine`` keeps rejected
payloads (in memory and in the store's table), ``status`` lists the running pollers for the
API, ``benchmark`` measures ingest and ``testing`` holds the public ``check_connector`` suite.
One folder per protocol: ``modbus/``, ``mqtt/``, ``opcua/``, ``sparkplug/``, ``memory/``;
``files/`` imports CSV/Parquet history and ``discovery`` browses a peer given its URL.
"""

from __future__ import annotations

from smartfactory.connectors.backoff import Backoff
from smartfactory.connectors.base import (
    Acknowledging,
    Capability,
    Connector,
    ConnectorInfo,
    Quality,
    Sample,
    Subscribable,
    TagInfo,
    Value,
    Writable,
)
from smartfactory.connectors.errors import (
    ConnectorConfigError,
    ConnectorError,
    ConnectorTimeoutError,
    ConnectorUnavailableError,
    ManifestError,
)
from smartfactory.connectors.poller import ConnectionState, Poller, PollerConfig, PollerStats
from smartfactory.connectors.quarantine import Quarantine, QuarantineEntry, Reason
from smartfactory.connectors.registry import ConnectorRegistry, discover

__all__ = [
    "Acknowledging",
    "Backoff",
    "Capability",
    "ConnectionState",
    "Connector",
    "ConnectorConfigError",
    "ConnectorError",
    "ConnectorInfo",
    "ConnectorRegistry",
    "ConnectorTimeoutError",
    "ConnectorUnavailableError",
    "ManifestError",
    "Poller",
    "PollerConfig",
    "PollerStats",
    "Quality",
    "Quarantine",
    "QuarantineEntry",
    "Reason",
    "Sample",
    "Subscribable",
    "TagInfo",
    "Value",
    "Writable",
    "discover",
]
