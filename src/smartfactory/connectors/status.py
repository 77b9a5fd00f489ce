"""The pollers running in this process, and a status snapshot of each for the API.

Whoever starts pollers (the live ingest, the demo) adds them to a :class:`PollerRegistry`
(``registry.add(poller)``, ``registry.remove(name)``); the API reads
:meth:`PollerRegistry.statuses` (``GET /api/v1/connectors``). A snapshot copies plain values
from the poller (its state, the reason of its last bad transition, counters and the rejects
per reason), so reading it from the server's thread while the poller's event loop runs is
safe; the registry itself is guarded by a lock. No global instance: the application context
owns one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from smartfactory.connectors.poller import ConnectionState, Poller

__all__ = ["ConnectorStatus", "PollerRegistry", "status_of"]


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """What one connector instance is doing, as the API shows it."""

    name: str
    kind: str
    state: ConnectionState
    since: datetime | None
    last_error: str
    samples: int
    good_samples: int
    bad_samples: int
    stored_rows: int
    buffered: bool
    rejects: dict[str, int] = field(default_factory=dict)


def status_of(poller: Poller) -> ConnectorStatus:
    """A snapshot of ``poller``."""
    last = poller.transitions[-1] if poller.transitions else None
    stats = poller.stats
    return ConnectorStatus(
        name=poller.name,
        kind=type(poller.connector).info.kind,
        state=poller.state if last is not None else ConnectionState.CONNECTING,
        since=last.ts if last is not None else None,
        last_error=poller.last_error,
        samples=stats.samples,
        good_samples=stats.good_samples,
        bad_samples=stats.bad_samples,
        stored_rows=stats.stored_rows,
        buffered=poller.buffer.memory_rows > 0,
        rejects=poller.rejects(),
    )


class PollerRegistry:
    """The running pollers by name (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pollers: dict[str, Poller] = {}

    def add(self, poller: Poller) -> None:
        """Register ``poller`` under its name (replacing one of the same name)."""
        with self._lock:
            self._pollers[poller.name] = poller

    def remove(self, name: str) -> None:
        """Forget the poller named ``name`` (no error when unknown)."""
        with self._lock:
            self._pollers.pop(name, None)

    def names(self) -> list[str]:
        """The registered names, sorted."""
        with self._lock:
            return sorted(self._pollers)

    def statuses(self) -> list[ConnectorStatus]:
        """A snapshot of every registered poller, by name."""
        with self._lock:
            pollers = sorted(self._pollers.items())
        return [status_of(p) for _, p in pollers]
