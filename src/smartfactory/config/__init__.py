"""Plant files: load and validate them, and the example plant ``smartfactory init`` writes."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from smartfactory.config.loader import load_plant, parse_plant
from smartfactory.domain import Plant
from smartfactory.errors import ConfigError

__all__ = ["example_plant", "example_plant_text", "load_plant", "parse_plant", "write_example"]

EXAMPLE_NAME = "example_plant.yaml"


def example_plant_text() -> str:
    """The text of the example plant file (a Korean automotive-parts supplier)."""
    return files("smartfactory.config").joinpath(EXAMPLE_NAME).read_text(encoding="utf-8")


def example_plant() -> Plant:
    """The example plant, validated."""
    return parse_plant(example_plant_text(), EXAMPLE_NAME)


def write_example(path: Path, *, overwrite: bool = False) -> Path:
    """Write the example plant file to ``path``; refuse to replace a file unless asked."""
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} already exists; use --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_plant_text(), encoding="utf-8")
    return path
