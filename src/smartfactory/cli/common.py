"""Helpers shared by the commands: the plant to use and the workspace."""

from __future__ import annotations

from pathlib import Path

from smartfactory.config import example_plant, load_plant, write_example
from smartfactory.domain import Plant

__all__ = ["plant_for", "workspace_plant"]


def plant_for(config: Path | None) -> Plant:
    """The plant of ``config``, or the example plant when no file is given."""
    return load_plant(config) if config is not None else example_plant()


def workspace_plant(workspace: Path, config: Path | None) -> tuple[Plant, Path]:
    """The plant to run in ``workspace`` and the file it came from.

    That is ``config`` if given, else the workspace's ``plant.yaml``, written from the example
    on first use.
    """
    if config is not None:
        return load_plant(config), config
    path = workspace / "plant.yaml"
    if not path.exists():
        write_example(path)
    return load_plant(path), path
