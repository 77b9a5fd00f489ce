"""The in-memory connector: a peer that lives in the process (``kind: memory``).

Like httpx's mock transport it ships in the box: examples, the poller's tests and the
``check_connector`` suite drive it without a network. Values are set with
:meth:`MemoryConnector.set`; :meth:`MemoryConnector.go_offline` makes the peer unreachable
(connect and read raise ConnectorUnavailableError) until :meth:`MemoryConnector.go_online`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    TagInfo,
    Value,
    utc_now,
)
from smartfactory.connectors.errors import ConnectorError, ConnectorUnavailableError

__all__ = ["MemoryConfig", "MemoryConnector"]


class MemoryConfig(BaseModel):
    """The tags of the in-memory peer and their initial values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "memory"
    tags: dict[str, float | int | bool | str] = Field(default_factory=dict)


class MemoryConnector:
    """A connector whose peer is a dict in this process."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="memory",
        title="In-memory peer",
        config_model=MemoryConfig,
        capabilities=frozenset({Capability.READ, Capability.WRITE}),
        description="Values held in the process; for tests, examples and the simulator.",
    )

    def __init__(self, config: MemoryConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.values: dict[str, Value] = dict(config.tags)
        self.connected = False
        self.online = True
        self.connects = 0

    def set(self, tag: str, value: Value) -> None:
        """Give ``tag`` a new value on the peer."""
        self.values[tag] = value

    def go_offline(self) -> None:
        """Make the peer unreachable (the connection drops)."""
        self.online = False
        self.connected = False

    def go_online(self) -> None:
        """Make the peer reachable again."""
        self.online = True

    async def connect(self) -> None:
        """Connect, or raise ConnectorUnavailableError while the peer is offline."""
        if not self.online:
            raise ConnectorUnavailableError(f"memory peer {self.config.name!r} is offline")
        self.connected = True
        self.connects += 1

    async def close(self) -> None:
        """Disconnect."""
        self.connected = False

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """The current value of each tag; unknown tags give bad samples."""
        if not self.connected:
            raise ConnectorUnavailableError(f"memory peer {self.config.name!r}: not connected")
        now = self.clock()
        return [
            Sample(tag, now, self.values[tag])
            if tag in self.values
            else Sample.bad(tag, now, f"unknown tag {tag!r}")
            for tag in tags
        ]

    async def browse(self) -> list[TagInfo]:
        """Every tag of the peer."""
        return [
            TagInfo(tag=t, address=t, data_type=type(v).__name__)
            for t, v in sorted(self.values.items())
        ]

    async def write(self, tag: str, value: Value) -> None:
        """Set a known tag's value; ConnectorError for an unknown tag."""
        if not self.connected:
            raise ConnectorUnavailableError(f"memory peer {self.config.name!r}: not connected")
        if tag not in self.values:
            raise ConnectorError(f"memory peer {self.config.name!r}: unknown tag {tag!r}")
        self.values[tag] = value
