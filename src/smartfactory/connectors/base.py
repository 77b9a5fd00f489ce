"""The connector contract: what every protocol connector implements.

A connector talks to one peer (a PLC, a broker, a server). It ``connect()``s, ``read(tags)``
returns one :class:`Sample` per requested tag, ``browse()`` lists what the peer offers and
``close()`` releases it. A bad tag (unknown, device exception, undecodable) yields a sample with
``Quality.BAD`` and an error text, never an exception; only connection-level failures raise
(:class:`~smartfactory.connectors.errors.ConnectorUnavailableError`). Push-based connectors
(MQTT) also implement :class:`Subscribable`; one that can hand its numeric samples as Arrow rows
implements :class:`BatchSubscribable` too (the poller's columnar fast path). Polling,
timeouts, back-off and state logging live in :mod:`smartfactory.connectors.poller`, never in a
connector.

Each connector class carries an ``info`` manifest (:class:`ConnectorInfo`): its kind (the entry
point name), a title, its pydantic config model and its capabilities; the registry checks it
at load. A connector is built as ``cls(config)`` with an instance of its config model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Acknowledging",
    "BatchSubscribable",
    "Capability",
    "Clock",
    "Connector",
    "ConnectorInfo",
    "Quality",
    "Sample",
    "SampleBatch",
    "Subscribable",
    "TagInfo",
    "Value",
    "Writable",
    "utc_now",
]

Value = float | int | bool | str
"""A value as a device delivers it."""

Clock = Callable[[], datetime]
"""A source of timezone-aware UTC 'now'."""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the default clock)."""
    return datetime.now(UTC)


class Quality(StrEnum):
    """How far a sample's value can be trusted (OPC UA style, coarse)."""

    GOOD = "good"
    UNCERTAIN = "uncertain"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of one tag: value, UTC timestamp, quality, and an error text when bad."""

    tag: str
    ts: datetime
    value: Value | None
    quality: Quality = Quality.GOOD
    error: str = ""

    @classmethod
    def bad(cls, tag: str, ts: datetime, error: str) -> Sample:
        """A sample of ``tag`` that carries no value, only why."""
        return cls(tag=tag, ts=ts, value=None, quality=Quality.BAD, error=error)

    @property
    def ok(self) -> bool:
        """Whether the sample has good quality and a value."""
        return self.quality is Quality.GOOD and self.value is not None


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """What one ``receive_batch`` gives: good numeric rows in columns, and any other samples.

    ``rows`` has the buffer schema (``tag`` string, ``ts`` timestamp[us, UTC], ``value``
    float64; finite values only); ``samples`` are those that are not plain numbers (booleans,
    text, bad samples), handled one by one as ``receive()`` results are.
    """

    rows: pa.Table
    samples: list[Sample]

    def __len__(self) -> int:
        return self.rows.num_rows + len(self.samples)


@dataclass(frozen=True, slots=True)
class TagInfo:
    """One thing a peer offers, as found by ``browse()``: its tag, address and type."""

    tag: str
    address: str
    data_type: str = ""
    description: str = ""


class Capability(StrEnum):
    """What a connector can do beyond ``connect``/``read``/``browse``/``close``."""

    READ = "read"  # answers read(tags) (every connector)
    BROWSE = "browse"  # browse() discovers more than the configured tags
    WRITE = "write"  # implements Writable
    SUBSCRIBE = "subscribe"  # implements Subscribable (the peer pushes values)


class ConnectorInfo(BaseModel):
    """The manifest of a connector class, checked when the registry loads it."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The entry point name.")
    title: str = Field(min_length=1)
    config_model: type[BaseModel]
    capabilities: frozenset[Capability] = frozenset({Capability.READ})
    description: str = ""


@runtime_checkable
class Connector(Protocol):
    """A connection to one peer that reads tags; see the module docstring for the rules."""

    info: ClassVar[ConnectorInfo]

    async def connect(self) -> None:
        """Open the connection; raise ConnectorUnavailableError when the peer cannot be reached."""
        ...

    async def close(self) -> None:
        """Release the connection; safe to call twice or before connect."""
        ...

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """One sample per tag, in order; bad tags give bad samples, not exceptions."""
        ...

    async def browse(self) -> list[TagInfo]:
        """What the peer offers (at least the configured tags)."""
        ...


@runtime_checkable
class Writable(Protocol):
    """A connector that can write a value to a tag (capability WRITE)."""

    async def write(self, tag: str, value: Value) -> None:
        """Write ``value`` to ``tag``; raise ConnectorError when the peer refuses."""
        ...


@runtime_checkable
class Subscribable(Protocol):
    """A connector whose peer pushes values (capability SUBSCRIBE)."""

    async def receive(self, max_wait_s: float) -> list[Sample]:
        """Samples received since the last call, waiting up to ``max_wait_s`` for the first."""
        ...


@runtime_checkable
class BatchSubscribable(Protocol):
    """A push connector that can return what it received as Arrow rows (the fast path)."""

    async def receive_batch(self, max_wait_s: float) -> SampleBatch:
        """Like ``receive()``, with the plain numeric samples as rows of one table."""
        ...


@runtime_checkable
class Acknowledging(Protocol):
    """A push connector that confirms delivery to its peer only when told to.

    The poller calls :meth:`acknowledge` after the samples returned by ``receive()`` so far are
    durable in its write-ahead log; what was received but not acknowledged is redelivered by
    the peer after a reconnect.
    """

    async def acknowledge(self) -> None:
        """Confirm to the peer every message whose samples ``receive()`` has returned."""
        ...
