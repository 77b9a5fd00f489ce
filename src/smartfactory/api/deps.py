"""What routes receive: the application context and ``Annotated`` dependency aliases.

:func:`smartfactory.api.create_app` stores one :class:`AppContext` on ``app.state.context``;
routes declare what they need by type, e.g. ``def f(plant: PlantDep) -> ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from smartfactory.api.streaming import StreamControl
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.settings import Settings
from smartfactory.store.base import Store

__all__ = [
    "AppContext",
    "ContextDep",
    "LiveDep",
    "PlantDep",
    "SettingsDep",
    "StoreDep",
    "StreamsDep",
    "get_context",
    "get_live",
    "get_plant",
    "get_settings",
    "get_store",
    "get_streams",
]


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything an application instance serves: settings, plant, live source and store."""

    settings: Settings
    plant: Plant
    live: LiveSource
    store: Store | None
    streams: StreamControl


def get_context(request: Request) -> AppContext:
    """The context of the application serving ``request``."""
    context = request.app.state.context
    assert isinstance(context, AppContext)  # noqa: S101 - create_app always sets it
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_settings(context: ContextDep) -> Settings:
    """The process settings."""
    return context.settings


def get_plant(context: ContextDep) -> Plant:
    """The plant this application serves."""
    return context.plant


def get_live(context: ContextDep) -> LiveSource:
    """The source of live snapshots (simulator or live ingest)."""
    return context.live


def get_store(context: ContextDep) -> Store | None:
    """The store, or None when the application runs without one."""
    return context.store


def get_streams(context: ContextDep) -> StreamControl:
    """The switch that ends open event streams on shutdown."""
    return context.streams


SettingsDep = Annotated[Settings, Depends(get_settings)]
PlantDep = Annotated[Plant, Depends(get_plant)]
LiveDep = Annotated[LiveSource, Depends(get_live)]
StoreDep = Annotated[Store | None, Depends(get_store)]
StreamsDep = Annotated[StreamControl, Depends(get_streams)]
