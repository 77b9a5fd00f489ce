"""Process settings read from ``SF_`` environment variables; no import-time instance."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Settings of a smartfactory process (every field can be set as ``SF_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="SF_", extra="ignore")

    workspace: Path = Field(default=Path("smartfactory-workspace"), description="Workspace folder.")
    host: str = Field(default="127.0.0.1", description="Address the web server binds.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port of the web server.")
    cmapss_dir: Path = Field(
        default=Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cmapss",
        description="Folder holding the NASA C-MAPSS files (train_FD001.txt ...).",
    )
    language: str = Field(default="en", pattern="^(en|ko)$", description="Default UI language.")


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
