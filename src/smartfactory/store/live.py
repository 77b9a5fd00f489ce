"""A live picture of the plant read from the store: the LiveSource of ``smartfactory serve``.

In server mode the API workers and the ingest are separate processes, so the API cannot ask
the process that receives the samples. :class:`StoreLiveSource` answers
:meth:`snapshot` from what the ingest has stored: each machine's latest state interval (its
state, since when, reason, order and product) and the current shift's ISO 22400 figures from
:func:`smartfactory.kpi.oee` over [shift start, now) grouped by machine. The picture is as
fresh as the ingest's last flush of states and counts (about a second) and is cached for
``cache_s`` seconds, so many open pages cost one set of queries per interval. Outside every
shift the figures are empty and ``shift`` is None.

The latest intervals are read with one portable-SQL query through :meth:`Store.query`
(both backends understand it). Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from smartfactory.domain.assets import Plant
from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.states import MachineState
from smartfactory.kpi.rollup import KpiRow
from smartfactory.kpi.service import oee
from smartfactory.store.base import Store

__all__ = ["StoreLiveSource"]

LATEST_STATES = (
    "SELECT s.machine, s.start, s.state, s.reason, s.order_id, s.product FROM states s"
    " JOIN (SELECT machine, max(start) AS start FROM states WHERE start <= ?"
    " GROUP BY machine) l ON l.machine = s.machine AND l.start = s.start"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StoreLiveSource:
    """A :class:`~smartfactory.domain.live.LiveSource` answered from ``store``."""

    def __init__(
        self,
        store: Store,
        plant: Plant,
        *,
        clock: Callable[[], datetime] = _utc_now,
        cache_s: float = 2.0,
    ) -> None:
        self.store = store
        self.plant = plant
        self.clock = clock
        self.cache_s = cache_s
        self._lines = {m.id: line.id for _, line in plant.lines() for m in line.machines}
        self._lock = threading.Lock()
        self._cached: tuple[float, PlantSnapshot] | None = None

    def snapshot(self) -> PlantSnapshot:
        """The plant now, as stored (cached for ``cache_s`` seconds)."""
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < self.cache_s:
                return self._cached[1]
            snap = self._read()
            self._cached = (time.monotonic(), snap)
            return snap

    def _read(self) -> PlantSnapshot:
        now = self.clock()
        shifts = [
            w
            for w in self.plant.site.calendar.windows(now - timedelta(days=1), now)
            if w.start <= now
        ]
        current = shifts[-1] if shifts and shifts[-1].end >= now else None
        figures: dict[str, KpiRow] = {}
        if current is not None and now > current.start:
            rows = oee(self.store, self.plant, current.start, now, group_by=("machine",))
            figures = {r.group["machine"]: r for r in rows}
        latest = {str(r[0]): r for r in self.store.query(LATEST_STATES, [now])}
        machines = []
        for machine, line in self._lines.items():
            row = latest.get(machine)
            state = MachineState(int(row[2])) if row is not None else MachineState.UNKNOWN
            since = row[1].astimezone(UTC) if row is not None else now
            k = figures.get(machine)
            machines.append(
                MachineSnapshot(
                    machine=machine,
                    line=line,
                    state=state,
                    since=since,
                    reason=str(row[3] or "") if row is not None else "",
                    order=str(row[4] or "") if row is not None else "",
                    product=str(row[5] or "") if row is not None else "",
                    good=k.gq if k is not None else 0,
                    scrap=k.scrap if k is not None else 0,
                    availability=k.availability if k is not None else None,
                    performance=k.performance if k is not None else None,
                    quality=k.quality if k is not None else None,
                    oee=k.oee if k is not None else None,
                    pbt_s=k.pbt_s if k is not None else 0.0,
                    apt_s=k.apt_s if k is not None else 0.0,
                    ideal_s=(k.performance or 0.0) * k.apt_s if k is not None else 0.0,
                )
            )
        return PlantSnapshot(now, current.shift if current is not None else None, tuple(machines))
