"""Discovery of connector classes through the ``smartfactory.connectors`` entry points.

Entry points are the one mechanism: a package declares
``[project.entry-points."smartfactory.connectors"] modbus = "pkg.module:Class"``. The
connectors that ship with smartfactory are declared as the same kind of
:class:`importlib.metadata.EntryPoint` objects in :data:`BUILTIN_ENTRY_POINTS` (so they work
before the package metadata lists them) and go through the same loading and validation.
A registry is an immutable value built by :func:`discover`; there is no global mutable one.

Loading validates each class against the contract (:func:`validate_connector_class`): an
``info`` :class:`~smartfactory.connectors.base.ConnectorInfo` whose kind equals the entry
point name, coroutine methods ``connect``/``close``/``read``/``browse``, and ``write`` or
``receive`` where the capabilities promise them. A broken plug-in raises ManifestError naming
the entry point, never a bare ImportError.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import BaseModel, ValidationError

from smartfactory.connectors.base import Capability, Connector, ConnectorInfo
from smartfactory.connectors.errors import ConnectorConfigError, ManifestError

__all__ = [
    "BUILTIN_ENTRY_POINTS",
    "ENTRY_POINT_GROUP",
    "ConnectorRegistry",
    "discover",
    "validate_connector_class",
]

ENTRY_POINT_GROUP = "smartfactory.connectors"

BUILTIN_ENTRY_POINTS: tuple[EntryPoint, ...] = (
    EntryPoint("memory", "smartfactory.connectors.memory:MemoryConnector", ENTRY_POINT_GROUP),
    EntryPoint("modbus", "smartfactory.connectors.modbus:ModbusConnector", ENTRY_POINT_GROUP),
    EntryPoint("mqtt", "smartfactory.connectors.mqtt:MqttConnector", ENTRY_POINT_GROUP),
    EntryPoint("opcua", "smartfactory.connectors.opcua:OpcUaConnector", ENTRY_POINT_GROUP),
    EntryPoint(
        "sparkplug", "smartfactory.connectors.sparkplug:SparkplugConnector", ENTRY_POINT_GROUP
    ),
)
"""The built-in connectors, declared exactly as the package metadata declares them."""

_REQUIRED = ("connect", "close", "read", "browse")
_BY_CAPABILITY = {Capability.WRITE: "write", Capability.SUBSCRIBE: "receive"}


def validate_connector_class(name: str, obj: object) -> type[Connector]:
    """``obj`` as a connector class if it honours the contract, else ManifestError."""
    if not inspect.isclass(obj):
        raise ManifestError(f"connector {name!r}: {obj!r} is not a class")
    info = getattr(obj, "info", None)
    if not isinstance(info, ConnectorInfo):
        raise ManifestError(f"connector {name!r}: {obj.__name__}.info is not a ConnectorInfo")
    if info.kind != name:
        raise ManifestError(f"connector {name!r}: manifest kind is {info.kind!r}")
    if not issubclass(info.config_model, BaseModel):
        raise ManifestError(f"connector {name!r}: config_model is not a pydantic model")
    if Capability.READ not in info.capabilities:
        raise ManifestError(f"connector {name!r}: every connector must have capability 'read'")
    needed = list(_REQUIRED)
    needed += [m for cap, m in _BY_CAPABILITY.items() if cap in info.capabilities]
    for method in needed:
        if not inspect.iscoroutinefunction(getattr(obj, method, None)):
            raise ManifestError(f"connector {name!r}: {obj.__name__}.{method} must be async")
    return obj  # type: ignore[return-value]  # checked structurally above


def _load(ep: EntryPoint) -> type[Connector]:
    try:
        obj = ep.load()
    except Exception as err:  # a broken plug-in must name itself, whatever it raised
        raise ManifestError(f"connector {ep.name!r}: cannot load {ep.value}: {err}") from err
    return validate_connector_class(ep.name, obj)


@dataclass(frozen=True)
class ConnectorRegistry:
    """The connector classes found, by kind; build one with :func:`discover`."""

    classes: Mapping[str, type[Connector]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.classes))

    def __len__(self) -> int:
        return len(self.classes)

    def __contains__(self, kind: object) -> bool:
        return kind in self.classes

    def get(self, kind: str) -> type[Connector]:
        """The class of ``kind``; ConnectorConfigError lists the known kinds when missing."""
        try:
            return self.classes[kind]
        except KeyError:
            known = ", ".join(sorted(self.classes)) or "none"
            raise ConnectorConfigError(
                f"unknown connector kind {kind!r} (known: {known})"
            ) from None

    def info(self, kind: str) -> ConnectorInfo:
        """The manifest of ``kind``."""
        return self.get(kind).info

    def create(self, kind: str, config: Mapping[str, Any] | BaseModel) -> Connector:
        """A new connector of ``kind``, its config validated by the manifest's model."""
        cls = self.get(kind)
        model = cls.info.config_model
        try:
            cfg = model.model_validate(config, from_attributes=isinstance(config, BaseModel))
        except ValidationError as err:
            raise ConnectorConfigError(f"invalid {kind} connector config: {err}") from err
        factory: Any = cls
        connector: Connector = factory(cfg)
        return connector


def discover(
    entry_points_: Iterable[EntryPoint] | None = None, *, builtins: bool = True
) -> ConnectorRegistry:
    """A registry of the installed connectors (and the built-ins unless ``builtins=False``).

    ``entry_points_`` defaults to the installed ``smartfactory.connectors`` group. The same
    name declared twice with different targets is an error; the same target twice is one.
    """
    found = list(entry_points(group=ENTRY_POINT_GROUP) if entry_points_ is None else entry_points_)
    if builtins:
        found = [*BUILTIN_ENTRY_POINTS, *found]
    chosen: dict[str, EntryPoint] = {}
    for ep in found:
        if ep.group != ENTRY_POINT_GROUP:
            continue
        seen = chosen.get(ep.name)
        if seen is not None and seen.value != ep.value:
            raise ManifestError(
                f"connector {ep.name!r} declared twice: {seen.value} and {ep.value}"
            )
        chosen[ep.name] = ep
    return ConnectorRegistry({name: _load(ep) for name, ep in sorted(chosen.items())})
