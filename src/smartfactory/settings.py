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
    jssp_dir: Path = Field(
        default_factory=lambda: _shared_dataset("jssp"),
        description="Folder holding the job-shop benchmark instances.json.",
    )
    fjsp_dir: Path = Field(
        default_factory=lambda: _shared_dataset("fjsp"),
        description="Folder holding the flexible job-shop instances (instances.json, *.txt).",
    )
    language: str = Field(default="en", pattern="^(en|ko)$", description="Default UI language.")
    database: str | None = Field(
        default=None,
        description="Store of serve/ingest/migrate: a postgresql:// URL or a DuckDB file.",
    )
    pg_schema: str = Field(
        default="smartfactory", description="PostgreSQL schema holding the store's tables."
    )
    plant_file: Path | None = Field(
        default=None, description="Plant file of serve/ingest (default: the example plant)."
    )
    workers: int = Field(default=1, ge=1, le=64, description="Web server worker processes.")
    ingest_dir: Path | None = Field(
        default=None,
        description="Write-ahead logs and spill files of ingest (default: <workspace>/ingest).",
    )
    live_cache_s: float = Field(
        default=2.0, ge=0, description="Seconds a store-backed live picture is reused (serve)."
    )
    migrate_on_open: bool = Field(
        default=True,
        description="Apply pending PostgreSQL migrations when serve/ingest open the store.",
    )


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
