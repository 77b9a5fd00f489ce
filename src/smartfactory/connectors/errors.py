"""The connector branch of the exception tree (defined in :mod:`smartfactory.errors`).

Only connection-level failures raise; a bad tag becomes a sample with bad quality instead.
"""

from __future__ import annotations

from smartfactory.errors import (
    ConnectorConfigError,
    ConnectorError,
    ConnectorTimeoutError,
    ConnectorUnavailableError,
    ManifestError,
)

__all__ = [
    "ConnectorConfigError",
    "ConnectorError",
    "ConnectorTimeoutError",
    "ConnectorUnavailableError",
    "ManifestError",
]
