"""The fast cube (cells summed straight from the store's rows) equals the reference cube.

Random small plants' days — overlapping and open intervals, gaps, intervals crossing shift,
break and day boundaries, counts at interval ends and at the window start, preventive
maintenance during breaks — are rolled up by every dimension through both paths.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState as S
from smartfactory.kpi.rollup import DIMENSIONS, KpiTable, rollup
from smartfactory.kpi.service import load_cube
from smartfactory.store import COUNT_SCHEMA, STATE_SCHEMA, DuckDBStore

from .conftest import DAY

STEP = timedelta(minutes=5)
REASONS = ["", "", "breakdown", "preventive_maintenance", "break"]
GROUPINGS = [(), *((d,) for d in DIMENSIONS), ("line", "day"), ("machine", "shift", "product")]
FIELDS = ("state_s", "pq", "gq", "ideal_s", "unvalued", "failures", "preventive_s")


class PlainStore:
    """Only the Store protocol's reads: the generic (non-DuckDB) input of the fast path."""

    def __init__(self, store: DuckDBStore) -> None:
        self._store = store

    def query_states(self, *args: Any) -> pa.Table:
        return self._store.query_states(*args)

    def query_counts(self, *args: Any) -> pa.Table:
        return self._store.query_counts(*args)


@st.composite
def days(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int, int]:
    """States and counts of 3 machines over two days; a window inside them (in steps)."""
    states, counts = [], []
    for machine in ("cnc-01", "mc-01", "press-01"):
        t = draw(st.integers(-20, 40))
        for _ in range(draw(st.integers(0, 25))):
            t += draw(st.integers(-2, 6))  # negative: overlaps; > length: gaps
            length = draw(st.integers(0, 60))
            end = None if draw(st.integers(0, 30)) == 0 else DAY + STEP * (t + length)
            label = draw(st.sampled_from([("", ""), ("o1", "shaft-a"), ("o2", "shaft-b")]))
            states.append(
                (machine, DAY + STEP * t, end, int(draw(st.sampled_from(list(S)))),
                 draw(st.sampled_from(REASONS)), *label)
            )  # fmt: skip
            t += length
        for _ in range(draw(st.integers(0, 12))):
            at = DAY + STEP * draw(st.integers(0, 580)) + timedelta(seconds=draw(st.integers(0, 1)))
            counts.append((machine, at, draw(st.integers(0, 9)), draw(st.integers(0, 2))))
    lo = draw(st.integers(0, 400))
    return states, counts, lo, draw(st.integers(lo + 1, 576))


def _store(states: list[tuple[Any, ...]], counts: list[tuple[Any, ...]]) -> DuckDBStore:
    store = DuckDBStore(":memory:")
    if states:
        store.write_states(pa.table([list(c) for c in zip(*states, strict=True)], STATE_SCHEMA))
    if counts:
        store.write_counts(pa.table([list(c) for c in zip(*counts, strict=True)], COUNT_SCHEMA))
    return store


def assert_same(fast: KpiTable, ref: KpiTable) -> None:
    assert fast.keys == ref.keys
    for name in FIELDS:
        a, b = getattr(fast.totals, name), getattr(ref.totals, name)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6, err_msg=f"{fast.dims} {name}")


def compare(plant: Plant, store: Any, start: datetime, end: datetime, calendar: bool) -> None:
    fast = load_cube(store, plant, start, end, calendar=calendar)
    ref = load_cube(store, plant, start, end, calendar=calendar, reference=True)
    assert fast.frame is None and ref.frame is not None
    for by in GROUPINGS:
        assert_same(rollup(fast, by), rollup(ref, by))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=days(), calendar=st.booleans(), plain=st.booleans())
def test_fast_cube_equals_reference(
    plant: Plant, data: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int, int],
    calendar: bool, plain: bool,
) -> None:  # fmt: skip
    states, counts, lo, hi = data
    store = _store(states, counts)
    try:
        source = PlainStore(store) if plain else store
        compare(plant, source, DAY + STEP * lo, DAY + STEP * hi, calendar)
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(3))
def test_fast_cube_equals_reference_on_a_busy_week(plant: Plant, seed: int) -> None:
    """Many 1-7 minute intervals over a week (boundaries everywhere), unsorted writes."""
    rng = np.random.default_rng(seed)
    states, counts = [], []
    for machine in ("cnc-01", "mc-01", "press-01", "cnc-02"):
        t = 0
        while t < 7 * 24 * 60:
            n = int(rng.integers(1, 8))
            start = DAY + timedelta(minutes=t)
            state = int(rng.choice([1, 1, 1, 2, 5, 6, 7, 0]))
            reason = str(rng.choice(REASONS))
            product = str(rng.choice(["shaft-a", "shaft-b", ""]))
            states.append(
                (machine, start, start + timedelta(minutes=n), state, reason, "o1", product)
            )
            if state == 1:
                counts.append((machine, start + timedelta(minutes=n), int(rng.integers(0, 5)), 0))
            t += n + int(rng.integers(0, 2))
    order = rng.permutation(len(states))
    store = _store([states[i] for i in order], counts)
    try:
        start = DAY + timedelta(hours=3, minutes=7)
        compare(plant, store, start, start + timedelta(days=6), calendar=True)
    finally:
        store.close()
