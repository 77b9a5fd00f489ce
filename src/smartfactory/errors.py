"""The exception tree of smartfactory.

Every error raised on purpose by smartfactory derives from :class:`FactoryError`; third-party
exceptions are translated at the adapter that calls the library (``raise ... from err``)::

    FactoryError
    ├── ConfigError                 a plant file or setting is invalid
    │   └── PlantFileError          with the file, line, field and what was expected
    ├── DataError                   data rejected at a boundary (kept in quarantine)
    ├── StoreError                  the store failed to read or write
    │   └── StoreClosedError        the store was used after close()
    ├── SimulationError             the simulator met an impossible situation
    ├── DatasetError                a public data set is missing or malformed
    ├── NotFoundError               a named entity (machine, signal, order) does not exist
    ├── InvalidTransitionError      a work order or decision cannot make that change from its state
    └── ConnectorError              a connector failed (library errors translated to these)
        ├── ConnectorUnavailableError   the peer cannot be reached or the connection dropped
        │   └── ConnectorTimeoutError   the peer did not answer within the configured timeout
        ├── ConnectorConfigError        a connector's configuration is invalid
        └── ManifestError               a registered connector's manifest or class is invalid
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConnectorConfigError",
    "ConnectorError",
    "ConnectorTimeoutError",
    "ConnectorUnavailableError",
    "DataError",
    "DatasetError",
    "FactoryError",
    "InvalidTransitionError",
    "ManifestError",
    "NotFoundError",
    "PlantFileError",
    "SimulationError",
    "StoreClosedError",
    "StoreError",
]


class FactoryError(Exception):
    """Root of every error smartfactory raises on purpose."""


class ConfigError(FactoryError):
    """A configuration value or file is invalid."""


class PlantFileError(ConfigError):
    """A plant file failed validation; ``problems`` lists each one with its location."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid plant file {path}:\n{lines}")


class DataError(FactoryError):
    """Input data was rejected; the message says why."""


class StoreError(FactoryError):
    """The store could not complete a read or write."""


class StoreClosedError(StoreError):
    """The store was used after it was closed."""


class SimulationError(FactoryError):
    """The simulator reached an impossible state."""


class DatasetError(FactoryError):
    """A public data set could not be found or parsed."""


class NotFoundError(FactoryError):
    """A named entity does not exist."""


class InvalidTransitionError(FactoryError):
    """A lifecycle change is not allowed from the current state (e.g. closing a cancelled order)."""


class ConnectorError(FactoryError):
    """A connector failed; the message names the peer and what went wrong."""


class ConnectorUnavailableError(ConnectorError):
    """The peer cannot be reached, or the connection to it was lost."""


class ConnectorTimeoutError(ConnectorUnavailableError):
    """The peer did not answer within the configured timeout."""


class ConnectorConfigError(ConnectorError):
    """A connector configuration is invalid (unknown tag, impossible register map)."""


class ManifestError(ConnectorError):
    """A registered connector does not honour the contract (bad manifest, missing methods)."""
