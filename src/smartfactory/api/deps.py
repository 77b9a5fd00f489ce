"""What routes receive: the application context and ``Annotated`` dependency aliases.

:func:`smartfactory.api.create_app` stores one :class:`AppContext` on ``app.state.context``;
routes declare what they need by type, e.g. ``def f(plant: PlantDep) -> ...``. The signed-in
user and permission checks are in :mod:`smartfactory.api.auth.deps` (``CurrentUser``,
``require(Permission.X)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from smartfactory.api.auth.service import Accounts
from smartfactory.api.streaming import StreamControl
from smartfactory.connectors.status import PollerRegistry
from smartfactory.decisions.log import DecisionKind
from smartfactory.decisions.service import Applier
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.maintenance.live import LiveMaintenance
from smartfactory.settings import Settings
from smartfactory.store.base import Store

__all__ = [
    "AccountsDep",
    "AppContext",
    "AppliersDep",
    "ContextDep",
    "LiveDep",
    "PlantDep",
    "SettingsDep",
    "StoreDep",
    "StreamsDep",
    "get_accounts",
    "get_appliers",
    "get_context",
    "get_live",
    "get_plant",
    "get_settings",
    "get_store",
    "get_streams",
]


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything an application instance serves: settings, plant, live source and store.

    ``accounts`` holds the users, sessions and tokens (by default in ``store``);
    ``maintenance`` the live health/RUL service when one runs; ``appliers`` what applying a
    decision does per kind (the decision engine's: work order plus re-plan).
    """

    settings: Settings
    plant: Plant
    live: LiveSource
    store: Store | None
    streams: StreamControl
    accounts: Accounts = field(default_factory=lambda: Accounts(None))
    pollers: PollerRegistry = field(default_factory=PollerRegistry)  # running connectors
    maintenance: LiveMaintenance | None = None  # live health/RUL scoring, if running
    appliers: Mapping[DecisionKind, Applier] | None = None  # None: the service's defaults


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


def get_accounts(context: ContextDep) -> Accounts:
    """Users, sessions and API tokens of this application."""
    return context.accounts


SettingsDep = Annotated[Settings, Depends(get_settings)]
PlantDep = Annotated[Plant, Depends(get_plant)]
LiveDep = Annotated[LiveSource, Depends(get_live)]
StoreDep = Annotated[Store | None, Depends(get_store)]
StreamsDep = Annotated[StreamControl, Depends(get_streams)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def get_appliers(context: ContextDep) -> Mapping[DecisionKind, Applier] | None:
    """What applying a decision does per kind (None: the decision service's defaults)."""
    return context.appliers


AppliersDep = Annotated[Mapping[DecisionKind, Applier] | None, Depends(get_appliers)]
