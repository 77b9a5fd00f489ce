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
    └── NotFoundError               a named entity (machine, signal, order) does not exist
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "DatasetError",
    "FactoryError",
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
