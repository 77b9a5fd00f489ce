"""Live ingest: connectors -> pollers -> store, and the live picture built from what arrives.

:class:`LiveIngest` (:mod:`.live`) is a :class:`~smartfactory.domain.live.LiveSource` whose
machine states, counts and shift figures come from connector samples tagged
``<machine>/<point>``; it writes state intervals and counts to the store. :class:`IngestRunner`
(:mod:`.runner`) drives the connectors with the poller in a background thread and hands what
they deliver to the ingest (:func:`tap`). :class:`UnsPublishLoop` (:mod:`.publish`) publishes
the live picture back on the UNS (states, KPIs, alerts).
"""

from __future__ import annotations

from smartfactory.ingest.live import IngestStats, LiveIngest
from smartfactory.ingest.publish import PublishConfig, UnsPublishLoop
from smartfactory.ingest.runner import IngestRunner, restamp, tap

__all__ = [
    "IngestRunner",
    "IngestStats",
    "LiveIngest",
    "PublishConfig",
    "UnsPublishLoop",
    "restamp",
    "tap",
]
