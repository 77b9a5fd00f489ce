"""Process settings read from ``SF_`` environment variables; no import-time instance."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _shared_dataset(name: str) -> Path:
    """Where the shared data set ``name`` is.

    The first existing of ``../shared/datasets/<name>`` beside the checkout, beside the working
    folder, and the workplace copy; the first of them when none exists.
    """
    candidates = [
        Path(__file__).resolve().parents[3] / "shared" / "datasets" / name,
        Path.cwd().parent / "shared" / "datasets" / name,
        Path("/work/shared/datasets") / name,
    ]
    return next((c for c in candidates if c.is_dir()), candidates[0])


class Settings(BaseSettings):
    """Settings of a smartfactory process (every field can be set as ``SF_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="SF_", extra="ignore")

    workspace: Path = Field(default=Path("smartfactory-workspace"), description="Workspace folder.")
    host: str = Field(default="127.0.0.1", description="Address the web server binds.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port of the web server.")
    cmapss_dir: Path = Field(
        default_factory=lambda: _shared_dataset("cmapss"),
        description="Folder holding the NASA C-MAPSS files (train_FD001.txt ...).",
    )
    language: str = Field(default="en", pattern="^(en|ko)$", description="Default UI language.")


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
