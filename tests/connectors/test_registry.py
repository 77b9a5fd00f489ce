from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from smartfactory.connectors import Capability, ConnectorConfigError, ManifestError, discover
from smartfactory.connectors.memory import MemoryConnector
from smartfactory.connectors.registry import BUILTIN_ENTRY_POINTS, ENTRY_POINT_GROUP

G = ENTRY_POINT_GROUP


def test_builtins_are_entry_points_and_load() -> None:
    registry = discover([])
    assert list(registry) == ["memory", "modbus", "mqtt", "opcua", "sparkplug"]
    assert all(ep.group == G for ep in BUILTIN_ENTRY_POINTS)
    assert Capability.SUBSCRIBE in registry.info("mqtt").capabilities
    assert Capability.SUBSCRIBE in registry.info("opcua").capabilities


def test_create_validates_the_config() -> None:
    registry = discover([])
    conn = registry.create("memory", {"tags": {"a": 1}})
    assert isinstance(conn, MemoryConnector)
    with pytest.raises(ConnectorConfigError, match="invalid modbus"):
        registry.create("modbus", {"port": 0})
    with pytest.raises(ConnectorConfigError, match="known: memory, modbus, mqtt, opcua, sparkplug"):
        registry.get("profinet")


class NoManifest:
    pass


class WrongKind(MemoryConnector):
    info = MemoryConnector.info.model_copy(update={"kind": "other"})


class SyncRead(MemoryConnector):
    info = MemoryConnector.info.model_copy(update={"kind": "plug"})

    def read(self, tags):  # type: ignore[no-untyped-def,override]
        return []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tests.connectors.test_registry:NoManifest", "not a ConnectorInfo"),
        ("tests.connectors.test_registry:WrongKind", "manifest kind is 'other'"),
        ("tests.connectors.test_registry:SyncRead", "read must be async"),
        ("tests.connectors.nowhere:Thing", "cannot load"),
    ],
)
def test_bad_plugins_are_rejected_at_load(value: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        discover([EntryPoint("plug", value, G)], builtins=False)


def test_plugins_join_and_conflicts_are_errors() -> None:
    same = EntryPoint("memory", "smartfactory.connectors.memory:MemoryConnector", G)
    assert "memory" in discover([same])
    other = EntryPoint("memory", "tests.connectors.test_registry:WrongKind", G)
    with pytest.raises(ManifestError, match="declared twice"):
        discover([other])
    foreign = EntryPoint("x", "nothing:here", "another.group")
    assert len(discover([foreign], builtins=False)) == 0
