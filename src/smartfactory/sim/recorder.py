"""Buffers of simulated results, written to the Store as large Arrow batches.

Machines hand the recorder closed state intervals, arrays of unit finish times with scrap
flags, events and changed orders; nothing is written per part. On :meth:`Recorder.flush`
(every simulated day in fast mode, every few wall seconds in real time, and at the end of a
run) the buffers become one Arrow table per table of the store:

* **states** - intervals; contiguous intervals with the same state, reason and order are
  merged while still buffered. A final flush also writes each machine's open interval up to
  now; the store's upsert on (machine, start) closes it on a later write.
* **samples** - the sensor grid rebuilt by :mod:`smartfactory.sim.sensors` from the intervals
  recorded since the previous flush (a per-machine cursor, so no instant is sampled twice).
* **counts** - good and scrap per machine per minute, only for minutes with units. Units of a
  minute that is still running stay buffered until a final flush; a later unit of a minute
  already written is counted in the next minute, so the store's first-write-wins key never
  drops units.
* **events** and **orders** - as they came.

Signals of sensor models and of replayed C-MAPSS columns (``cmapss_<col>``) are registered
with the store when the recorder is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from smartfactory.domain.assets import Machine
from smartfactory.domain.records import Event
from smartfactory.sim.degradation import Wear
from smartfactory.sim.orders import SimOrder
from smartfactory.sim.sensors import IntervalArrays, grid, sample_machine
from smartfactory.store.base import (
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    STATE_SCHEMA,
    TS,
    SignalKey,
    Store,
)

__all__ = ["Interval", "Recorder"]

FloatArray = npt.NDArray[np.float64]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (start, end, state, reason, order, product, pos0, pos1)
Interval = tuple[float, float, int, str, str, str, float, float]


@dataclass(slots=True)
class _Buffer:
    machine: Machine
    wear: Wear
    intervals: list[Interval] = field(default_factory=list)
    unit_t: list[FloatArray] = field(default_factory=list)
    unit_scrap: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    sampled_until: float = 0.0
    last_minute: float = -np.inf
    signal_ids: dict[str, int] = field(default_factory=dict)


class Recorder:
    """Collects results of one simulation and writes them to a Store in batches."""

    def __init__(
        self,
        store: Store | None,
        start: datetime,
        machines: Sequence[tuple[Machine, Wear]],
        rng: np.random.Generator,
        *,
        sample_interval_s: float = 60.0,
        sample_off_shift: bool = False,
    ) -> None:
        self.store = store
        self.start = start
        self.sample_interval_s = sample_interval_s
        self.sample_off_shift = sample_off_shift
        self._rng = rng
        self._start_us = (start - _EPOCH) // timedelta(microseconds=1)
        self._buffers = [_Buffer(m, w) for m, w in machines]
        self._events: list[Event] = []
        self._orders: dict[str, SimOrder] = {}
        self.samples_written = 0
        self.count_rows = 0
        if store is not None:
            self._register(store)

    def _register(self, store: Store) -> None:
        keys: list[SignalKey] = []
        for buf in self._buffers:
            units = {s.name: s.unit for s in buf.machine.signals}
            keys += [
                SignalKey(buf.machine.id, s.signal, units.get(s.signal, ""))
                for s in buf.machine.behaviour.sensors
            ]
            keys += [SignalKey(buf.machine.id, name) for name in buf.wear.signal_names]
        ids = store.register_signals(keys) if keys else {}
        for buf in self._buffers:
            buf.signal_ids = {n: i for (m, n), i in ids.items() if m == buf.machine.id}

    def when(self, t: float) -> datetime:
        """The UTC instant of simulation time ``t``."""
        return self.start + timedelta(seconds=t)

    def _ts(self, t: FloatArray) -> pa.Array:  # type: ignore[type-arg]
        us = self._start_us + np.round(t * 1e6).astype(np.int64)
        return pa.array(us, type=pa.int64()).cast(TS)

    def interval(self, m: int, iv: Interval) -> None:
        """A machine's closed state interval."""
        ivs = self._buffers[m].intervals
        if ivs:
            last = ivs[-1]
            if last[1] == iv[0] and last[2:6] == iv[2:6]:
                ivs[-1] = (last[0], iv[1], *iv[2:6], last[6], iv[7])
                return
        ivs.append(iv)

    def units(self, m: int, finish: FloatArray, scrap: npt.NDArray[np.bool_]) -> None:
        """Units completed by machine ``m`` at ``finish`` (simulation seconds)."""
        if finish.size:
            self._buffers[m].unit_t.append(finish)
            self._buffers[m].unit_scrap.append(scrap)

    def event(self, t: float, kind: str, source: str, message: str, **data: object) -> None:
        """Something that happened at ``t``."""
        self._events.append(Event(self.when(t), kind, source, message, dict(data)))

    def order(self, order: SimOrder) -> None:
        """An order changed; it is (re)written at the next flush."""
        self._orders[order.id] = order

    def flush(
        self,
        unit_cutoffs: Sequence[float],
        open_intervals: Sequence[Interval | None] | None = None,
    ) -> None:
        """Write buffered results.

        ``unit_cutoffs`` (one per machine) is the earliest instant a unit not yet handed over
        may still finish at: counts of minutes before it are complete. A final flush passes
        ``open_intervals`` (one per machine) and writes every buffered unit.
        """
        final = open_intervals is not None
        states: list[Interval] = []
        names: list[str] = []
        samples: list[pa.Table] = []
        counts: list[pa.Table] = []
        for m, buf in enumerate(self._buffers):
            ivs = list(buf.intervals)
            current = open_intervals[m] if open_intervals is not None else None
            if current is not None:
                ivs.append(current)
            states += ivs
            names += [buf.machine.id] * len(ivs)
            if self.store is not None and ivs and buf.signal_ids:
                samples.append(self._samples(buf, ivs))
            counts.append(self._counts(buf, unit_cutoffs[m], final))
            buf.intervals = []
        if self.store is None:
            self._events.clear()
            self._orders.clear()
            return
        if states:
            self.store.write_states(self._state_table(names, states))
        if samples:
            self.store.write_samples(pa.concat_tables(samples))
        table = pa.concat_tables(counts)
        if table.num_rows:
            self.store.write_counts(table)
        if self._events:
            self.store.write_events(self._events)
            self._events = []
        if self._orders:
            self.store.write_orders(self._order_table(list(self._orders.values())))
            self._orders = {}

    def _samples(self, buf: _Buffer, ivs: list[Interval]) -> pa.Table:
        arr = np.array([iv[:3] + iv[6:] for iv in ivs], dtype=np.float64)
        iv = IntervalArrays(arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int8), arr[:, 3], arr[:, 4])
        ts = grid(
            max(buf.sampled_until, float(iv.start[0])), float(iv.end[-1]), self.sample_interval_s
        )
        buf.sampled_until = float(iv.end[-1])
        kept, values = sample_machine(
            ts,
            iv,
            buf.machine.behaviour.sensors,
            buf.wear,
            self._rng,
            off_shift=self.sample_off_shift,
        )
        parts = []
        for name, vals in values.items():
            sid = buf.signal_ids.get(name)
            if sid is None:
                continue
            parts.append(
                pa.table(
                    [
                        pa.array(np.full(kept.size, sid, dtype=np.int32)),
                        self._ts(kept),
                        pa.array(vals),
                    ],
                    schema=SAMPLE_SCHEMA,
                )
            )
            self.samples_written += kept.size
        return pa.concat_tables(parts) if parts else SAMPLE_SCHEMA.empty_table()

    def _counts(self, buf: _Buffer, cutoff_t: float, final: bool) -> pa.Table:
        if not buf.unit_t:
            return COUNT_SCHEMA.empty_table()
        t = np.concatenate(buf.unit_t)
        scrap = np.concatenate(buf.unit_scrap)
        minute = np.floor(t / 60.0) * 60.0
        cutoff = np.inf if final else np.floor(cutoff_t / 60.0) * 60.0
        done = minute < cutoff
        buf.unit_t = [t[~done]] if not done.all() else []
        buf.unit_scrap = [scrap[~done]] if not done.all() else []
        minute, scrap = np.maximum(minute[done], buf.last_minute + 60.0), scrap[done]
        if minute.size == 0:
            return COUNT_SCHEMA.empty_table()
        keys, inv = np.unique(minute, return_inverse=True)
        total = np.bincount(inv, minlength=keys.size)
        bad = np.bincount(inv, weights=scrap, minlength=keys.size).astype(np.int64)
        buf.last_minute = float(keys[-1])
        self.count_rows += keys.size
        return pa.table(
            [
                pa.array([buf.machine.id] * keys.size, type=pa.string()),
                self._ts(keys),
                pa.array((total - bad).astype(np.int32)),
                pa.array(bad.astype(np.int32)),
            ],
            schema=COUNT_SCHEMA,
        )

    def _state_table(self, names: list[str], ivs: list[Interval]) -> pa.Table:
        arr = np.array([iv[:3] for iv in ivs], dtype=np.float64)
        return pa.table(
            [
                pa.array(names, type=pa.string()),
                self._ts(arr[:, 0]),
                self._ts(arr[:, 1]),
                pa.array(arr[:, 2].astype(np.int8)),
                pa.array([iv[3] for iv in ivs], type=pa.string()),
                pa.array([iv[4] for iv in ivs], type=pa.string()),
                pa.array([iv[5] for iv in ivs], type=pa.string()),
            ],
            schema=STATE_SCHEMA,
        )

    def _order_table(self, orders: list[SimOrder]) -> pa.Table:
        def us(t: float | None) -> int | None:
            return None if t is None else self._start_us + round(t * 1e6)

        return pa.table(
            [
                pa.array([o.id for o in orders], type=pa.string()),
                pa.array([o.product.id for o in orders], type=pa.string()),
                pa.array([o.quantity for o in orders], type=pa.int32()),
                pa.array([us(o.release) for o in orders], type=pa.int64()).cast(TS),
                pa.array([us(o.due) for o in orders], type=pa.int64()).cast(TS),
                pa.array([o.status for o in orders], type=pa.string()),
                pa.array([o.good for o in orders], type=pa.int32()),
                pa.array([o.scrap for o in orders], type=pa.int32()),
                pa.array([us(o.finished) for o in orders], type=pa.int64()).cast(TS),
            ],
            schema=ORDER_SCHEMA,
        )
