"""The live picture of a plant from what its connectors deliver (a LiveSource).

:class:`LiveIngest` takes samples tagged ``<machine>/<point>`` (:meth:`LiveIngest.observe`)
and keeps, per machine, what the live page shows:

- ``state`` (a :class:`~smartfactory.domain.states.MachineState` code): a change closes the
  open state interval, which is queued for ``Store.write_states``. ``reason``, ``order`` and
  ``product`` (text; or ``product_index`` / ``order_number`` from a numbers-only protocol,
  resolved against the plant) are attributes of the open interval; a change of one of them
  also closes it, so each stored interval has one order and product.
- ``good_count`` / ``scrap_count``: monotonic counters. The first value seen is a baseline
  (units made before the ingest started are not attributed to any time); each later increase
  becomes a count row for ``Store.write_counts``; a decrease is a counter reset (the device
  restarted) and the new value counts in full.
- everything else (sensor signals) is left to the poller, which stores it as samples.

Times are the samples' own timestamps (the device's clock), so the picture follows the
device's time, simulated or not. The current shift's ISO 22400 figures come from the same
:class:`~smartfactory.sim.live.ShiftTracker` the simulator's live picture uses, over the site
calendar; units are valued at the ideal cycle of the product being made
(:class:`~smartfactory.kpi.ideal.IdealCycles`). Bad-quality samples, unknown machines and
values that are not a valid code or count are counted in ``rejected`` and never raise.

:meth:`flush` writes the queued intervals (and each open interval up to now; the store's
upsert on ``(machine, start)`` closes it on a later write) and counts; a failing store keeps
them for the next flush. All methods are thread-safe.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.connectors.base import Clock, Sample, SampleBatch, Value, utc_now
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.states import MachineState, in_planned_busy_time
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.sim.live import ShiftFigures, ShiftTracker, ratios
from smartfactory.sim.timeline import Timeline
from smartfactory.store.base import COUNT_SCHEMA, STATE_SCHEMA, Store

__all__ = ["IngestStats", "LiveIngest"]

log = logging.getLogger(__name__)

_ORIGIN_LEAD = timedelta(days=2)  # the calendar's time 0 lies this far before the first sample
_US = timedelta(microseconds=1)
_ATTRIBUTES = {"reason", "order", "product", "product_index", "order_number"}
_IGNORED = {"clock_ms"}
_LIVE_POINTS = {"state", "good_count", "scrap_count", *_ATTRIBUTES}


@dataclass(slots=True)
class IngestStats:
    """Counters of an ingest since it started."""

    samples: int = 0
    rejected: int = 0
    transitions: int = 0
    good: int = 0
    scrap: int = 0
    state_rows: int = 0
    count_rows: int = 0
    store_failures: int = 0


@dataclass(slots=True)
class _Machine:
    line: str
    tracker: ShiftTracker | None = None
    state: MachineState = MachineState.UNKNOWN
    since: datetime | None = None
    reason: str = ""
    order: str = ""
    product: str = ""
    good: int | None = None
    scrap: int | None = None
    good_total: int = 0
    scrap_total: int = 0
    counts: dict[datetime, list[int]] = field(default_factory=dict)
    last_count_ts: datetime | None = None


def _number(value: Value | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def _count(value: Value | None) -> int | None:
    v = _number(value)
    return int(v) if v is not None and v >= 0 and v == int(v) else None


class LiveIngest:
    """A :class:`~smartfactory.domain.live.LiveSource` fed by connector samples."""

    def __init__(self, plant: Plant, store: Store | None = None, *, clock: Clock = utc_now) -> None:
        self.plant = plant
        self.store = store
        self.clock = clock
        self.stats = IngestStats()
        self.ideal = IdealCycles.from_plant(plant)
        self._products = tuple(p.id for p in plant.products)
        self._machines = {
            m.id: _Machine(line.id) for _, line in plant.lines() for m in line.machines
        }
        self._timeline: Timeline | None = None
        self._now: datetime | None = None
        self._states: list[tuple[str, datetime, datetime, MachineState, str, str, str]] = []
        self._lock = threading.Lock()

    # -- taking samples -------------------------------------------------------------------------
    def observe(self, samples: Sequence[Sample]) -> None:
        """Take the samples of one read or receive (any order, any machines)."""
        ordered = sorted(samples, key=lambda s: (s.ts, not s.tag.endswith("/state")))
        with self._lock:
            for s in ordered:
                self.stats.samples += 1
                if not self._take(s):
                    self.stats.rejected += 1

    def observe_batch(self, batch: SampleBatch) -> None:
        """Take one columnar ``receive_batch`` result, as :meth:`observe` would, vectorised.

        Only rows of the points the live picture follows (state, counters, attributes) become
        samples; the sensor rows of known machines are counted and advance the clock by their
        latest time in a few Arrow operations; rows of unknown machines are rejected.
        """
        rows = batch.rows
        if not rows.num_rows:
            if batch.samples:
                self.observe(batch.samples)
            return
        tags = rows.column("tag")
        unique = [str(t) for t in pc.unique(tags).to_pylist()]
        live: list[str] = []
        sensor: list[str] = []
        for tag in unique:
            machine, _, point = tag.partition("/")
            if machine not in self._machines or not point:
                continue
            (live if point in _LIVE_POINTS else sensor).append(tag)
        live_rows = rows.filter(pc.is_in(tags, value_set=pa.array(live, pa.string())))
        ts = rows.filter(pc.is_in(tags, value_set=pa.array(sensor, pa.string()))).column("ts")
        cols = live_rows.to_pydict()
        taken = [
            Sample(t, when, v)
            for t, when, v in zip(cols["tag"], cols["ts"], cols["value"], strict=True)
        ]
        taken += batch.samples
        ordered = sorted(taken, key=lambda s: (s.ts, not s.tag.endswith("/state")))
        unknown = rows.num_rows - live_rows.num_rows - len(ts)
        with self._lock:
            if self._timeline is None and len(ts):
                first = pc.min(ts).as_py()
                known = [s.ts for s in ordered if self._usable(s)]
                self._ensure_timeline(min([first, *known]).astimezone(UTC))
            for s in ordered:
                self.stats.samples += 1
                if not self._take(s):
                    self.stats.rejected += 1
            self.stats.samples += len(ts) + unknown
            self.stats.rejected += unknown
            if len(ts) and self._timeline is not None:
                start = pa.scalar(self._timeline.start, ts.type)
                early = int(pc.sum(pc.less(ts, start).cast(pa.int64())).as_py() or 0)
                self.stats.rejected += int(early)
                if early < len(ts):
                    self._advance(pc.max(ts).as_py().astimezone(UTC))

    def _usable(self, s: Sample) -> bool:
        machine, _, point = s.tag.partition("/")
        return machine in self._machines and bool(point) and s.ok and s.ts.tzinfo is not None

    def _take(self, s: Sample) -> bool:
        machine, _, point = s.tag.partition("/")
        m = self._machines.get(machine)
        if m is None or not point or not s.ok or s.ts.tzinfo is None:
            return False
        ts = s.ts.astimezone(UTC)
        timeline = self._ensure_timeline(ts)
        if ts < timeline.start:
            return False
        if point == "state":
            return self._state(machine, m, ts, s.value)
        if point in {"good_count", "scrap_count"}:
            return self._counter(machine, m, ts, point == "good_count", s.value)
        if point in _ATTRIBUTES:
            return self._attribute(machine, m, ts, point, s.value)
        self._advance(ts)
        return True  # sensors and the clock: stored by the poller

    def _ensure_timeline(self, ts: datetime) -> Timeline:
        if self._timeline is None:
            self._timeline = Timeline(self.plant.site.calendar, ts - _ORIGIN_LEAD)
            for m in self._machines.values():
                m.tracker = ShiftTracker(self._timeline)
        return self._timeline

    def _t(self, ts: datetime) -> float:
        start = self._timeline.start if self._timeline is not None else ts
        return (ts - start).total_seconds()

    def _advance(self, ts: datetime) -> None:
        if self._now is None or ts > self._now:
            self._now = ts

    def _state(self, machine: str, m: _Machine, ts: datetime, value: Value | None) -> bool:
        code = _count(value)
        if code is None or code not in MachineState._value2member_map_:
            return False
        new = MachineState(code)
        if m.since is not None and ts < m.since:
            return False  # older than what we know
        self._advance(ts)
        if m.since is None:
            m.state, m.since = new, ts
        elif new != m.state:
            self._close(machine, m, ts)
            m.state = new
            self.stats.transitions += 1
        return True

    def _attribute(
        self, machine: str, m: _Machine, ts: datetime, point: str, value: Value | None
    ) -> bool:
        if point == "product_index":
            index = _count(value)
            if index is None:
                return False
            point = "product"
            value = self._products[index - 1] if 1 <= index <= len(self._products) else ""
        elif point == "order_number":
            number = _count(value)
            if number is None:
                return False
            point, value = "order", str(number) if number else ""
        if not isinstance(value, str):
            return False
        if m.since is not None and ts < m.since:
            return False
        self._advance(ts)
        if getattr(m, point) == value:
            return True
        if m.since is not None and ts > m.since:
            self._close(machine, m, ts)
        setattr(m, point, value)
        return True

    def _close(self, machine: str, m: _Machine, ts: datetime) -> None:
        """Close the open interval at ``ts`` and open the next one there."""
        if m.since is not None and ts > m.since:
            self._states.append((machine, m.since, ts, m.state, m.reason, m.order, m.product))
            if m.tracker is not None:
                m.tracker.add_time(m.state, self._t(m.since), self._t(ts))
        m.since = ts

    def _counter(
        self, machine: str, m: _Machine, ts: datetime, good: bool, value: Value | None
    ) -> bool:
        n = _count(value)
        if n is None:
            return False
        self._advance(ts)
        last = m.good if good else m.scrap
        if good:
            m.good = n
        else:
            m.scrap = n
        if last is None:
            return True  # the baseline
        delta = n - last if n >= last else n  # a decrease is a counter reset
        if delta == 0:
            return True
        row = m.counts.setdefault(ts, [0, 0])
        row[0 if good else 1] += delta
        ideal = self.ideal.by_product.get((machine, m.product), self.ideal.by_machine.get(machine))
        g, s = (delta, 0) if good else (0, delta)
        if m.tracker is not None:
            m.tracker.add_units(self._t(ts), g, s, (ideal or 0.0) * delta)
        if good:
            m.good_total += delta
            self.stats.good += delta
        else:
            m.scrap_total += delta
            self.stats.scrap += delta
        return True

    # -- reading -------------------------------------------------------------------------------
    def totals(self) -> dict[str, tuple[int, int]]:
        """Good and scrap units counted per machine since the ingest started."""
        with self._lock:
            return {k: (m.good_total, m.scrap_total) for k, m in self._machines.items()}

    def states_seen(self) -> dict[str, MachineState]:
        """The current state of every machine whose state has been received."""
        with self._lock:
            return {k: m.state for k, m in self._machines.items() if m.since is not None}

    def snapshot(self) -> PlantSnapshot:
        """Every machine now (the latest device time seen), with its shift's figures."""
        with self._lock:
            timeline, now = self._timeline, self._now
            if timeline is None or now is None:
                wall = self.clock()
                machines = tuple(
                    MachineSnapshot(
                        k,
                        m.line,
                        MachineState.UNKNOWN,
                        wall,
                        "",
                        "",
                        "",
                        0,
                        0,
                        None,
                        None,
                        None,
                        None,
                    )
                    for k, m in self._machines.items()
                )
                return PlantSnapshot(wall, None, machines)
            t_now = self._t(now)
            pid, lo, hi = timeline.period_bounds(t_now)
            out = []
            for k, m in self._machines.items():
                f = m.tracker.figures if m.tracker is not None else ShiftFigures()
                same = f.start == lo and f.end == hi
                apt, pbt, ideal, good, scrap = (
                    (f.apt, f.pbt, f.ideal, f.good, f.scrap) if same else (0.0, 0.0, 0.0, 0, 0)
                )
                since = m.since if m.since is not None else now
                open_s = max(0.0, t_now - max(self._t(since), lo))
                if in_planned_busy_time(m.state):
                    pbt += open_s
                if m.state == MachineState.PRODUCING:
                    apt += open_s
                a, p, q, oee = ratios(apt, pbt, ideal, good, scrap)
                out.append(
                    MachineSnapshot(
                        k,
                        m.line,
                        m.state,
                        since,
                        m.reason,
                        m.order,
                        m.product,
                        good,
                        scrap,
                        a,
                        p,
                        q,
                        oee,
                        None,
                        pbt_s=pbt,
                        apt_s=apt,
                        ideal_s=ideal,
                    )
                )
            return PlantSnapshot(now, timeline.shift_name(pid), tuple(out))

    # -- writing --------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Write queued intervals, open ones up to now, and counts; False if the store failed."""
        if self.store is None:
            with self._lock:
                self._states.clear()
                for m in self._machines.values():
                    m.counts.clear()
            return True
        with self._lock:
            states = list(self._states)
            closed = len(states)
            now = self._now
            if now is not None:
                states += [
                    (k, m.since, now, m.state, m.reason, m.order, m.product)
                    for k, m in self._machines.items()
                    if m.since is not None and now > m.since
                ]
            counts = self._take_counts()
        try:
            if states:
                self.store.write_states(_state_table(states))
            if counts:
                self.store.write_counts(_count_table(counts))
        except Exception as err:  # any store failure: keep the rows for the next flush
            self.stats.store_failures += 1
            log.warning("live ingest: store write failed: %s", err)
            with self._lock:
                self._requeue(counts)
            return False
        with self._lock:
            del self._states[:closed]  # intervals closed meanwhile stay queued
            self.stats.state_rows += len(states)
            self.stats.count_rows += len(counts)
        return True

    def _take_counts(self) -> list[tuple[str, datetime, int, int]]:
        """The queued count rows, each machine's times strictly after its last written one."""
        out = []
        for k, m in self._machines.items():
            for ts in sorted(m.counts):
                good, scrap = m.counts[ts]
                at = ts
                if m.last_count_ts is not None and at <= m.last_count_ts:
                    at = m.last_count_ts + _US  # the store keeps the first row of a (machine, ts)
                m.last_count_ts = at
                out.append((k, at, good, scrap))
            m.counts.clear()
        return out

    def _requeue(self, counts: list[tuple[str, datetime, int, int]]) -> None:
        for k, ts, good, scrap in counts:
            row = self._machines[k].counts.setdefault(ts, [0, 0])
            row[0] += good
            row[1] += scrap


def _state_table(
    rows: list[tuple[str, datetime, datetime, MachineState, str, str, str]],
) -> pa.Table:
    cols = list(zip(*rows, strict=True))
    return pa.table(
        [
            pa.array(cols[0], pa.string()),
            pa.array(cols[1], STATE_SCHEMA.field("start").type),
            pa.array(cols[2], STATE_SCHEMA.field("end").type),
            pa.array([int(s) for s in cols[3]], pa.int8()),
            pa.array(cols[4], pa.string()),
            pa.array(cols[5], pa.string()),
            pa.array(cols[6], pa.string()),
        ],
        schema=STATE_SCHEMA,
    )


def _count_table(rows: list[tuple[str, datetime, int, int]]) -> pa.Table:
    cols = list(zip(*rows, strict=True))
    return pa.table(
        [
            pa.array(cols[0], pa.string()),
            pa.array(cols[1], COUNT_SCHEMA.field("ts").type),
            pa.array(cols[2], pa.int32()),
            pa.array(cols[3], pa.int32()),
        ],
        schema=COUNT_SCHEMA,
    )
