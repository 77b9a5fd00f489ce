"""OPC UA client (``kind: opcua``): browse, read, write and subscribe, over asyncua."""

from __future__ import annotations

from smartfactory.connectors.opcua.browse import FoundVariable, browse_variables
from smartfactory.connectors.opcua.config import (
    OpcUaConfig,
    OpcUaTag,
    SecurityMode,
    SecurityPolicy,
)
from smartfactory.connectors.opcua.connector import OpcUaConnector

__all__ = [
    "FoundVariable",
    "OpcUaConfig",
    "OpcUaConnector",
    "OpcUaTag",
    "SecurityMode",
    "SecurityPolicy",
    "browse_variables",
]
