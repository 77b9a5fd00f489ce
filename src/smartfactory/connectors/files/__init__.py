"""Files (``smartfactory import``): CSV and Parquet history into the store, vectorised."""

from __future__ import annotations

from smartfactory.connectors.files.importer import (
    FileFormat,
    ImportSummary,
    detect_separator,
    import_file,
)
from smartfactory.connectors.files.parse import ValueStatus, parse_timestamps, parse_values

__all__ = [
    "FileFormat",
    "ImportSummary",
    "ValueStatus",
    "detect_separator",
    "import_file",
    "parse_timestamps",
    "parse_values",
]
