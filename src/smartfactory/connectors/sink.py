"""Turning samples into Arrow rows and writing them to the Store.

:func:`samples_to_table` is the one place a sample becomes a row: good numeric and boolean
values become float64 (True = 1.0); bad samples and text values are returned separately so
the caller can count or quarantine them. :class:`StoreWriter` maps each row's tag to the
store's signal id (registering signals on first sight, cached) and writes SAMPLE_SCHEMA
batches; it is the write function a :class:`~smartfactory.connectors.buffer.SpillBuffer`
drains into.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.connectors.base import Sample
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.store.base import SAMPLE_SCHEMA, SignalKey, Store

__all__ = ["StoreWriter", "samples_to_table"]


def samples_to_table(samples: Sequence[Sample]) -> tuple[pa.Table, list[Sample], list[Sample]]:
    """(rows of the storable samples, bad samples, good but unstorable samples)."""
    tags: list[str] = []
    micros: list[int] = []
    values: list[float] = []
    bad: list[Sample] = []
    unstorable: list[Sample] = []
    seen: dict[int, int] = {}  # id(ts) -> microseconds: samples of one message share their ts
    for s in samples:
        if not s.ok:
            bad.append(s)
        elif isinstance(s.value, bool | int | float) and math.isfinite(float(s.value)):
            us = seen.get(id(s.ts))
            if us is None:
                us = seen[id(s.ts)] = _micros(s.ts)
            tags.append(s.tag)
            micros.append(us)
            values.append(float(s.value))
        else:
            unstorable.append(s)
    ts = pa.array(micros, pa.int64()).cast(BUFFER_SCHEMA.field("ts").type)
    table = pa.table([pa.array(tags, pa.string()), ts, values], schema=BUFFER_SCHEMA)
    return table, bad, unstorable


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _micros(ts: datetime) -> int:
    """Microseconds since the epoch (a naive time is taken as UTC), exactly."""
    return ((ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)) - _EPOCH) // _US


class StoreWriter:
    """Writes buffered rows (tag, ts, value) to a store as SAMPLE_SCHEMA batches."""

    def __init__(self, store: Store, keys: Mapping[str, SignalKey]) -> None:
        self.store = store
        self.keys = keys
        self._ids: dict[str, int] = {}

    def __call__(self, table: pa.Table) -> int:
        """Write ``table`` (BUFFER_SCHEMA); return rows newly stored. Store errors propagate."""
        if table.num_rows == 0:
            return 0
        tags: list[str] = [str(t) for t in pc.unique(table.column("tag")).to_pylist()]
        missing = [t for t in tags if t not in self._ids]
        if missing:
            wanted = [self.keys[t] for t in missing]
            ids = self.store.register_signals(wanted)
            for tag, key in zip(missing, wanted, strict=True):
                self._ids[tag] = ids[(key.machine, key.name)]
        known = pa.array(list(self._ids), pa.string())
        id_of = np.fromiter(self._ids.values(), dtype=np.int32, count=len(self._ids))
        index = pc.index_in(table.column("tag"), value_set=known).to_numpy(zero_copy_only=False)
        batch = pa.table(
            [pa.array(id_of[index], pa.int32()), table.column("ts"), table.column("value")],
            schema=SAMPLE_SCHEMA,
        )
        return self.store.write_samples(batch)
