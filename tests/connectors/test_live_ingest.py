"""LiveIngest: the live picture and the store rows built from connector samples.

Samples are tagged ``<machine>/<point>``; these tests feed hand-made ones (any order, bad
values, counter resets, a device clock) and check the state intervals, counts and shift
figures that come out.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smartfactory.config import example_plant
from smartfactory.connectors.base import Sample
from smartfactory.domain.states import MachineState
from smartfactory.ingest import LiveIngest, restamp
from smartfactory.store import open_store
from smartfactory.store.base import Store

# Wednesday 2026-01-07 09:00 local (KST) = 00:00 UTC: inside the example plant's day shift.
T0 = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)


def _s(tag: str, minutes: float, value: object) -> Sample:
    return Sample(tag, T0 + timedelta(minutes=minutes), value)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "live.duckdb")
    yield s  # type: ignore[misc]
    s.close()


def test_counter_deltas_become_counts_and_state_changes_intervals(store: Store) -> None:
    ingest = LiveIngest(example_plant(), store)
    ingest.observe(
        [
            _s("cnc-01/state", 0, MachineState.SETUP.value),
            _s("cnc-01/good_count", 0, 100),  # baseline: made before we started
            _s("cnc-01/scrap_count", 0, 4),
            _s("cnc-01/product", 0, "shaft-a"),
            _s("cnc-01/order", 0, "SO-1"),
        ]
    )
    ingest.observe(
        [
            _s("cnc-01/good_count", 20, 110),
            _s("cnc-01/state", 10, MachineState.PRODUCING.value),  # out of order in a batch
            _s("cnc-01/scrap_count", 20, 5),
        ]
    )
    ingest.observe([_s("cnc-01/good_count", 30, 3)])  # the device restarted: counts in full
    assert ingest.totals()["cnc-01"] == (13, 1)
    snap = ingest.snapshot()
    cnc = next(m for m in snap.machines if m.machine == "cnc-01")
    assert cnc.state is MachineState.PRODUCING
    assert cnc.since == T0 + timedelta(minutes=10)
    assert (cnc.good, cnc.scrap, cnc.order, cnc.product) == (13, 1, "SO-1", "shaft-a")
    assert cnc.apt_s == pytest.approx(20 * 60)
    assert cnc.pbt_s == pytest.approx(30 * 60)
    assert cnc.availability == pytest.approx(2 / 3)
    assert cnc.quality == pytest.approx(13 / 14)
    assert snap.timestamp == T0 + timedelta(minutes=30)
    assert ingest.flush()
    end = T0 + timedelta(hours=1)
    states = store.query_states(T0, end, ["cnc-01"]).to_pylist()
    assert [(r["state"], r["order_id"], r["product"]) for r in states] == [
        (MachineState.SETUP.value, "SO-1", "shaft-a"),
        (MachineState.PRODUCING.value, "SO-1", "shaft-a"),
    ]
    assert states[0]["end"] == T0 + timedelta(minutes=10)
    counts = store.query_counts(T0, end, ["cnc-01"]).to_pylist()
    assert sum(r["good"] for r in counts) == 13
    assert sum(r["scrap"] for r in counts) == 1


def test_bad_values_are_rejected_never_raised(store: Store) -> None:
    ingest = LiveIngest(example_plant(), store)
    ingest.observe(
        [
            _s("cnc-01/state", 0, 99),  # no such state code
            _s("cnc-01/state", 0, "producing"),
            _s("cnc-01/good_count", 0, -1),
            _s("cnc-01/good_count", 0, math.nan),
            _s("cnc-01/good_count", 0, 1.5),
            _s("cnc-01/order", 0, 7.0),
            _s("nope/state", 0, 1),
            _s("cnc-01", 0, 1),
            Sample.bad("cnc-01/state", T0, "BadNodeIdUnknown"),
        ]
    )
    assert ingest.stats.rejected == 9
    assert ingest.states_seen() == {}
    assert ingest.flush()


def test_good_and_scrap_at_one_instant_in_two_batches_are_both_stored(store: Store) -> None:
    ingest = LiveIngest(example_plant(), store)
    ingest.observe([_s("cnc-01/good_count", 0, 0), _s("cnc-01/scrap_count", 0, 0)])
    ingest.observe([_s("cnc-01/good_count", 5, 7)])
    assert ingest.flush()
    ingest.observe([_s("cnc-01/scrap_count", 5, 2)])  # same instant, after the first write
    assert ingest.flush()
    counts = store.query_counts(T0, T0 + timedelta(hours=1), ["cnc-01"]).to_pylist()
    assert (sum(r["good"] for r in counts), sum(r["scrap"] for r in counts)) == (7, 2)


def test_numbers_only_protocols_resolve_product_index_and_order_number() -> None:
    plant = example_plant()
    ingest = LiveIngest(plant)
    ingest.observe(
        [
            _s("cnc-01/state", 0, 1),
            _s("cnc-01/product_index", 0, 2),
            _s("cnc-01/order_number", 0, 42),
        ]
    )
    cnc = next(m for m in ingest.snapshot().machines if m.machine == "cnc-01")
    assert (cnc.product, cnc.order) == (plant.products[1].id, "42")


def test_restamp_uses_the_device_clock_of_each_machine() -> None:
    wall = datetime(2030, 1, 1, tzinfo=UTC)
    device = T0 + timedelta(hours=2)
    ms = (device - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1)
    out = restamp(
        [
            Sample("a/clock_ms", wall, ms),
            Sample("a/state", wall, 1),
            Sample("b/state", wall, 2),  # no clock: keeps its time
        ]
    )
    assert [s.ts for s in out] == [device, device, wall]


def test_snapshot_before_any_sample_lists_every_machine_unknown() -> None:
    plant = example_plant()
    snap = LiveIngest(plant).snapshot()
    assert len(snap.machines) == len(list(plant.machines()))
    assert {m.state for m in snap.machines} == {MachineState.UNKNOWN}
