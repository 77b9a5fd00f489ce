"""The Store contract: every backend listed in conftest.BACKENDS must pass this suite."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartfactory.domain.records import Event
from smartfactory.errors import DataError, StoreClosedError
from smartfactory.store import (
    AGGREGATE_SCHEMA,
    COUNT_SCHEMA,
    ORDER_SCHEMA,
    SAMPLE_SCHEMA,
    STATE_SCHEMA,
    SignalKey,
    Store,
)

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T0_US = int(T0.timestamp()) * 1_000_000
SECOND = 1_000_000
TS = pa.timestamp("us", tz="UTC")
_names = itertools.count()


def samples(sids: Sequence[int], ts_us: Sequence[int], values: Sequence[float]) -> pa.Table:
    return pa.table(
        {
            "signal_id": pa.array(sids, pa.int32()),
            "ts": pa.array(np.asarray(ts_us, dtype=np.int64)).cast(TS),
            "value": pa.array(values, pa.float64()),
        }
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def register(store: Store, n: int = 2, machine: str = "press-1") -> list[int]:
    keys = [SignalKey(machine, f"sig{next(_names)}", "C") for _ in range(n)]
    ids = store.register_signals(keys)
    return [ids[(k.machine, k.name)] for k in keys]


def rows(table: pa.Table) -> list[tuple[object, ...]]:
    return list(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))


def states(*rows_: tuple[str, float, float | None, int]) -> pa.Table:
    return pa.table(
        {
            "machine": [r[0] for r in rows_],
            "start": pa.array([at(r[1]) for r in rows_], TS),
            "end": pa.array([None if r[2] is None else at(r[2]) for r in rows_], TS),
            "state": pa.array([r[3] for r in rows_], pa.int8()),
            "reason": ["" for _ in rows_],
            "order_id": ["o1" for _ in rows_],
            "product": ["p" for _ in rows_],
        },
        schema=STATE_SCHEMA,
    )


def counts(*rows_: tuple[str, float, int, int]) -> pa.Table:
    return pa.table(
        {
            "machine": [r[0] for r in rows_],
            "ts": pa.array([at(r[1]) for r in rows_], TS),
            "good": pa.array([r[2] for r in rows_], pa.int32()),
            "scrap": pa.array([r[3] for r in rows_], pa.int32()),
        },
        schema=COUNT_SCHEMA,
    )


def orders(*rows_: tuple[str, float, str]) -> pa.Table:
    return pa.table(
        {
            "id": [r[0] for r in rows_],
            "product": ["widget" for _ in rows_],
            "quantity": pa.array([100 for _ in rows_], pa.int32()),
            "release": pa.array([at(r[1]) for r in rows_], TS),
            "due": pa.array([at(r[1] + 3600) for r in rows_], TS),
            "status": [r[2] for r in rows_],
            "good": pa.array([0 for _ in rows_], pa.int32()),
            "scrap": pa.array([0 for _ in rows_], pa.int32()),
            "finished": pa.array([None for _ in rows_], TS),
        },
        schema=ORDER_SCHEMA,
    )


# -- signals --------------------------------------------------------------------------------


def test_store_implements_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_register_signals_idempotent_and_stable_across_reopen(
    reopen: Callable[[], Store],
) -> None:
    store = reopen()
    keys = [SignalKey("m1", "temp", "C"), SignalKey("m1", "speed", "rpm"), SignalKey("m2", "temp")]
    first = store.register_signals(keys)
    assert set(first) == {("m1", "temp"), ("m1", "speed"), ("m2", "temp")}
    assert len(set(first.values())) == 3
    assert store.register_signals(list(reversed(keys))) == first
    store.close()
    store = reopen()
    more = store.register_signals([SignalKey("m3", "x"), keys[1]])
    assert more[("m1", "speed")] == first[("m1", "speed")]
    assert more[("m3", "x")] not in first.values()
    table = store.signals()
    assert table.num_rows == 4
    assert set(table.column_names) >= {"signal_id", "machine", "name", "unit", "kind"}
    by_name = {(m, n): (i, u) for i, m, n, u in rows(table.select([0, 1, 2, 3]))}
    assert by_name[("m1", "speed")] == (first[("m1", "speed")], "rpm")


def test_register_many_signals_in_bulk_unique_and_stable(reopen: Callable[[], Store]) -> None:
    store = reopen()
    keys = [SignalKey(f"m{i % 50}", f"s{i}", "C" if i % 2 else "", "analog") for i in range(5000)]
    store.register_signals(keys[:10])
    first = store.register_signals(keys)
    assert set(first) == {(k.machine, k.name) for k in keys}
    assert len(set(first.values())) == 5000
    # ids follow first registration: the 10 early ones keep theirs, the rest come after, in order
    ids = [first[(k.machine, k.name)] for k in keys]
    assert ids == sorted(ids)
    assert store.register_signals(list(reversed(keys))) == first
    store.close()
    store = reopen()
    assert store.register_signals(keys[::7]) == {
        (k.machine, k.name): first[(k.machine, k.name)] for k in keys[::7]
    }
    extra = store.register_signals([SignalKey("new", "one")])
    assert extra[("new", "one")] not in first.values()
    table = store.signals()
    assert table.num_rows == 5001
    got = {(m, n): (i, u, k) for i, m, n, u, k in rows(table.select([0, 1, 2, 3, 4]))}
    for k in keys[::97]:
        assert got[(k.machine, k.name)] == (first[(k.machine, k.name)], k.unit, k.kind)


def test_register_signals_concurrently_gives_one_id_per_signal(store: Store) -> None:
    keys = [SignalKey("m", f"c{i}") for i in range(600)]
    results: list[dict[tuple[str, str], int]] = []
    lock = threading.Lock()

    def worker(part: Sequence[SignalKey]) -> None:
        got = store.register_signals(part)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=worker, args=(keys[i::3] + keys[:100],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    merged: dict[tuple[str, str], int] = {}
    for got in results:
        for pair, sid in got.items():
            assert merged.setdefault(pair, sid) == sid
    assert len(results) == 3
    assert len(merged) == 600
    assert len(set(merged.values())) == 600


# -- samples --------------------------------------------------------------------------------


def test_sample_round_trip(store: Store) -> None:
    a, b = register(store)
    batch = samples([a, b, a, b], [T0_US, T0_US, T0_US + SECOND, T0_US + SECOND], [1, 2, 3, 4])
    assert store.write_samples(batch) == 4
    got = store.query_samples([a, b], at(0), at(10))
    assert got.schema == SAMPLE_SCHEMA
    assert rows(got) == [(a, at(0), 1.0), (a, at(1), 3.0), (b, at(0), 2.0), (b, at(1), 4.0)]
    assert store.query_samples([b], at(0), at(10)).column("value").to_pylist() == [2.0, 4.0]
    assert store.query_samples([], at(0), at(10)).num_rows == 0


def test_rewriting_a_batch_is_idempotent(store: Store) -> None:
    (a,) = register(store, 1)
    batch = samples([a] * 5, [T0_US + i * SECOND for i in range(5)], [0, 1, 2, 3, 4])
    assert store.write_samples(batch) == 5
    assert store.write_samples(batch) == 0
    assert store.query_samples([a], at(0), at(60)).num_rows == 5


def test_out_of_order_and_overlapping_batches(store: Store) -> None:
    (a,) = register(store, 1)
    late = samples([a] * 3, [T0_US + i * SECOND for i in (10, 11, 12)], [10, 11, 12])
    early = samples([a] * 3, [T0_US + i * SECOND for i in (2, 0, 1)], [2, 0, 1])
    overlap = samples([a] * 4, [T0_US + i * SECOND for i in (1, 12, 13, 5)], [-1, -1, 13, 5])
    assert store.write_samples(late) == 3
    assert store.write_samples(early) == 3
    assert store.write_samples(overlap) == 2  # 1 and 12 are stored: first write wins
    got = store.query_samples([a], at(0), at(60))
    assert got.column("ts").to_pylist() == [at(s) for s in (0, 1, 2, 5, 10, 11, 12, 13)]
    assert got.column("value").to_pylist() == [0, 1, 2, 5, 10, 11, 12, 13]


def test_duplicates_within_a_batch_keep_the_first(store: Store) -> None:
    a, b = register(store)
    batch = samples(
        [a, b, a, a, b, a], [T0_US, T0_US, T0_US, T0_US + 1, T0_US, T0_US + 1], [1, 2, 3, 4, 5, 6]
    )
    assert store.write_samples(batch) == 3
    got = store.query_samples([a, b], at(0), at(1))
    assert rows(got) == [
        (a, at(0), 1.0),
        (a, at(0) + timedelta(microseconds=1), 4.0),
        (b, at(0), 2.0),
    ]
    # duplicates of stored rows mixed with new rows and with each other
    again = samples([b, b, b, a], [T0_US, T0_US + 7, T0_US + 7, T0_US + 1], [9, 7, 8, 9])
    assert store.write_samples(again) == 1
    assert store.query_samples([b], at(0), at(1)).column("value").to_pylist() == [2.0, 7.0]


def test_query_range_is_start_inclusive_end_exclusive(store: Store) -> None:
    (a,) = register(store, 1)
    store.write_samples(samples([a] * 4, [T0_US + i * SECOND for i in range(4)], [0, 1, 2, 3]))
    got = store.query_samples([a], at(1), at(3))
    assert got.column("value").to_pylist() == [1.0, 2.0]
    assert store.query_samples([a], at(3), at(3)).num_rows == 0
    assert store.query_samples([a], at(5), at(1)).num_rows == 0


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    offsets=st.lists(st.integers(0, 600 * SECOND), min_size=1, max_size=200),
    bucket_s=st.sampled_from([1, 7, 60, 300]),
    window=st.tuples(st.integers(-60, 700), st.integers(0, 700)),
    seed=st.integers(0, 2**16),
)
def test_aggregate_matches_numpy(
    store: Store,
    offsets: list[int],
    bucket_s: int,
    window: tuple[int, int],
    seed: int,
) -> None:
    a, b = register(store)
    rng = np.random.default_rng(seed)
    ts = np.asarray(offsets, dtype=np.int64) + T0_US
    sid = rng.choice([a, b], size=ts.size)
    values = rng.normal(20.0, 5.0, size=ts.size)
    store.write_samples(samples(sid.tolist(), ts.tolist(), values.tolist()))
    start, end = at(window[0]), at(window[0] + window[1])
    got = store.aggregate_samples([a, b], start, end, timedelta(seconds=bucket_s))
    assert got.schema == AGGREGATE_SCHEMA

    # expected, from the rows actually stored (first write wins on repeated keys)
    stored = store.query_samples([a, b], start, end)
    s_sid = stored.column("signal_id").to_numpy()
    s_ts = stored.column("ts").cast(pa.int64()).to_numpy()
    s_val = stored.column("value").to_numpy()
    width = bucket_s * SECOND
    s_bucket = (s_ts // width) * width  # epoch-aligned buckets
    expected = []
    for key in sorted(set(zip(s_sid.tolist(), s_bucket.tolist(), strict=True))):
        sel = (s_sid == key[0]) & (s_bucket == key[1])
        v = s_val[sel]
        expected.append((key[0], key[1], int(sel.sum()), v.mean(), v.min(), v.max()))
    got_rows = rows(got.set_column(1, "bucket", got.column("bucket").cast(pa.int64())))
    assert [r[:3] for r in got_rows] == [e[:3] for e in expected]
    for g, e in zip(got_rows, expected, strict=True):
        assert g[3:] == pytest.approx(e[3:], rel=1e-12)


def test_aggregate_buckets_are_aligned_and_ordered(store: Store) -> None:
    a, b = register(store)
    ts = [T0_US + i * 10 * SECOND for i in range(12)]  # two minutes at 10 s
    store.write_samples(samples([b] * 12 + [a] * 12, ts + ts, list(range(12)) * 2))
    got = store.aggregate_samples([a, b], at(30), at(120), timedelta(minutes=1))
    assert got.column("signal_id").to_pylist() == [a, a, b, b]
    assert got.column("bucket").to_pylist() == [at(0), at(60)] * 2
    assert got.column("n").to_pylist() == [3, 6, 3, 6]
    assert got.column("mean").to_pylist() == [4.0, 8.5, 4.0, 8.5]
    assert got.column("min").to_pylist() == [3.0, 6.0, 3.0, 6.0]
    assert got.column("max").to_pylist() == [5.0, 11.0, 5.0, 11.0]
    assert got.schema.field("bucket").type == TS


def test_latest_samples(store: Store) -> None:
    a, b, c = register(store, 3)
    store.write_samples(samples([a, a, b], [T0_US + 5, T0_US + 9, T0_US + 1], [1, 2, 3]))
    store.write_samples(samples([a], [T0_US + 7], [9]))  # late, not the newest
    got = store.latest_samples([a, b, c])
    assert got.schema == SAMPLE_SCHEMA
    assert rows(got) == [
        (a, at(0) + timedelta(microseconds=9), 2.0),
        (b, at(0) + timedelta(microseconds=1), 3.0),
    ]
    assert store.latest_samples([c]).num_rows == 0


# -- states, counts, events, orders ---------------------------------------------------------


def test_states_upsert_and_overlap(store: Store) -> None:
    assert store.write_states(states(("m1", 0, None, 1), ("m2", 0, 50, 2))) == 2
    assert store.write_states(states(("m1", 0, 100, 1), ("m1", 100, None, 7))) == 2
    got = store.query_states(at(0), at(1000))
    assert got.schema == STATE_SCHEMA
    assert [(m, s, e, st_) for m, s, e, st_, *_ in rows(got)] == [
        ("m1", at(0), at(100), 1),
        ("m1", at(100), None, 7),
        ("m2", at(0), at(50), 2),
    ]
    # intervals overlapping [60, 120) are returned whole; end == start does not overlap
    assert [r[:2] for r in rows(store.query_states(at(60), at(120)))] == [
        ("m1", at(0)),
        ("m1", at(100)),
    ]
    assert store.query_states(at(50), at(100), machines=["m2"]).num_rows == 0
    assert store.query_states(at(0), at(1000), machines=["m2"]).num_rows == 1
    assert store.query_states(at(0), at(1000), machines=[]).num_rows == 0


def test_counts_idempotent_and_filtered(store: Store) -> None:
    assert store.write_counts(counts(("m1", 1, 5, 0), ("m2", 1, 3, 1), ("m1", 2, 4, 1))) == 3
    assert store.write_counts(counts(("m1", 2, 99, 9), ("m1", 3, 6, 0), ("m1", 3, 7, 0))) == 1
    assert store.write_counts(counts(("m1", 0, 1, 0))) == 1  # older than stored: still new
    got = store.query_counts(at(0), at(3))
    assert got.schema == COUNT_SCHEMA
    assert store.query_counts(at(0), at(3), machines=[]).num_rows == 0
    assert rows(got) == [
        ("m1", at(0), 1, 0),
        ("m1", at(1), 5, 0),
        ("m1", at(2), 4, 1),
        ("m2", at(1), 3, 1),
    ]
    assert store.query_counts(at(0), at(10), machines=["m1"]).column("good").to_pylist() == [
        1,
        5,
        4,
        6,
    ]


def test_events_idempotent_with_data(store: Store) -> None:
    events = [
        Event(at(5), "failure", "m1", "bearing", {"mode": "bearing", "severity": 3}),
        Event(at(1), "alert", "m2", "hot", {"t": 81.5, "tags": ["a", "b"], "ko": "과열"}),
        Event(at(5), "failure", "m2"),
        Event(at(5), "failure", "m1", "again"),  # same key as the first: ignored
    ]
    assert store.write_events(events) == 3
    assert store.write_events(events[:2]) == 0
    got = store.query_events(at(0), at(10))
    assert [(e.timestamp, e.kind, e.source) for e in got] == [
        (at(1), "alert", "m2"),
        (at(5), "failure", "m1"),
        (at(5), "failure", "m2"),
    ]
    assert got[0] == events[1]
    assert got[1].message == "bearing"
    assert got[1].timestamp.utcoffset() == timedelta(0)
    assert [e.source for e in store.query_events(at(0), at(10), kinds=["failure"])] == [
        "m1",
        "m2",
    ]
    assert store.query_events(at(0), at(5)) == [events[1]]
    assert store.query_events(at(0), at(10), kinds=[]) == []


def test_orders_upsert_and_status_filter(store: Store) -> None:
    assert store.write_orders(orders(("o2", 20, "planned"), ("o1", 10, "planned"))) == 2
    assert store.write_orders(orders(("o2", 20, "released"), ("o2", 20, "in_progress"))) == 1
    got = store.query_orders()
    assert got.schema == ORDER_SCHEMA
    assert got.column("id").to_pylist() == ["o1", "o2"]
    assert got.column("status").to_pylist() == ["planned", "in_progress"]
    assert store.query_orders("in_progress").column("id").to_pylist() == ["o2"]
    assert store.query_orders("done").num_rows == 0


# -- retention, persistence, lifecycle --------------------------------------------------------


def test_delete_before(store: Store) -> None:
    (a,) = register(store, 1)
    store.write_samples(samples([a] * 4, [T0_US + i * SECOND for i in range(4)], [0, 1, 2, 3]))
    store.write_states(states(("m1", 0, 1, 1), ("m1", 1, 3, 2), ("m1", 3, None, 1)))
    store.write_counts(counts(("m1", 1, 1, 0), ("m1", 3, 1, 0)))
    store.write_events([Event(at(1), "a", "m1"), Event(at(2), "a", "m1")])
    store.write_orders(orders(("o1", 0, "done")))
    assert store.delete_before(at(2)) == 2 + 1 + 1 + 1
    assert store.query_samples([a], at(0), at(10)).column("value").to_pylist() == [2.0, 3.0]
    # a state interval goes once it has ended before the cutoff; open ones stay
    assert store.query_states(at(0), at(10)).column("start").to_pylist() == [at(1), at(3)]
    assert store.query_counts(at(0), at(10)).num_rows == 1
    assert [e.timestamp for e in store.query_events(at(0), at(10))] == [at(2)]
    assert store.query_orders().num_rows == 1
    # data re-sent after retention is stored again; newer data still deduplicates
    assert store.write_samples(samples([a, a], [T0_US, T0_US + 3 * SECOND], [0, 9])) == 1


def test_data_persists_after_close_and_reopen(reopen: Callable[[], Store]) -> None:
    store = reopen()
    a, b = register(store)
    store.write_samples(samples([a, b], [T0_US, T0_US + SECOND], [1, 2]))
    store.write_counts(counts(("m1", 1, 5, 0)))
    store.write_events([Event(at(1), "alert", "m1")])
    store.write_states(states(("m1", 0, None, 1)))
    store.write_orders(orders(("o1", 0, "planned")))
    store.flush()
    store.close()
    store = reopen()
    assert store.query_samples([a, b], at(0), at(10)).num_rows == 2
    # deduplication still knows the stored rows after reopening
    assert store.write_samples(samples([a, b], [T0_US, T0_US + SECOND], [7, 7])) == 0
    assert store.write_samples(samples([b], [T0_US], [3])) == 1
    assert store.write_counts(counts(("m1", 1, 9, 9))) == 0
    assert store.write_events([Event(at(1), "alert", "m1")]) == 0
    assert store.query_states(at(0), at(1)).num_rows == 1
    assert store.query_orders().num_rows == 1
    assert store.latest_samples([a, b]).column("value").to_pylist() == [1.0, 2.0]


def test_closed_store_raises(store: Store) -> None:
    (a,) = register(store, 1)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreClosedError):
        store.query_samples([a], at(0), at(1))
    with pytest.raises(StoreClosedError):
        store.write_samples(samples([a], [T0_US], [1]))
    with pytest.raises(StoreClosedError):
        store.register_signals([SignalKey("m", "n")])
    with pytest.raises(StoreClosedError):
        store.flush()


def test_bad_input_raises_data_error(store: Store) -> None:
    (a,) = register(store, 1)
    naive = pa.table(
        {
            "signal_id": pa.array([a], pa.int32()),
            "ts": pa.array([datetime(2024, 1, 1)], pa.timestamp("us")),
            "value": [1.0],
        }
    )
    bad = {
        "naive timestamps": naive,
        "missing column": samples([a], [T0_US], [1]).drop_columns(["value"]),
        "extra column": samples([a], [T0_US], [1]).append_column("x", pa.array([1])),
        "not a timestamp": naive.set_column(1, "ts", pa.array([T0_US])),
        "string values": samples([a], [T0_US], [1]).set_column(2, "value", pa.array(["x"])),
        "unknown signal": samples([a + 1000], [T0_US], [1]),
        "null key": samples([a], [T0_US], [1]).set_column(1, "ts", pa.array([None], TS)),
    }
    for why, table in bad.items():
        with pytest.raises(DataError):
            store.write_samples(table)
            pytest.fail(why)
    assert store.query_samples([a], at(-1e6), at(1e6)).num_rows == 0
    with pytest.raises(DataError, match="naive"):
        store.query_samples([a], datetime(2024, 1, 1), at(1))
    with pytest.raises(DataError):
        store.aggregate_samples([a], at(0), at(1), timedelta(0))
    with pytest.raises(DataError):
        store.write_events([Event(datetime(2024, 1, 1), "a", "m")])
    with pytest.raises(DataError):
        store.write_events([Event(at(0), "a", "m", data={"x": object()})])
    with pytest.raises(DataError):
        store.write_states(states(("m1", 0, None, 1)).drop_columns(["reason"]))
    with pytest.raises(DataError):
        store.delete_before(datetime(2024, 1, 1))


def test_concurrent_reader_and_writer(store: Store) -> None:
    ids = register(store, 4)
    n_batches, per_batch = 40, 250
    errors: list[BaseException] = []
    done = threading.Event()
    reads = 0

    def write() -> None:
        try:
            for k in range(n_batches):
                ts = T0_US + (k * per_batch + np.arange(per_batch, dtype=np.int64)) * SECOND
                sid = np.repeat(np.asarray(ids, dtype=np.int32), per_batch)
                batch = samples(sid.tolist(), np.tile(ts, len(ids)).tolist(), [1.0] * sid.size)
                assert store.write_samples(batch) == sid.size
                store.write_events([Event(at(k), "tick", "writer")])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            done.set()

    def read() -> None:
        nonlocal reads
        try:
            while not done.is_set() or reads == 0:
                agg = store.aggregate_samples(ids, at(0), at(1e6), timedelta(minutes=1))
                assert all(n <= 60 for n in agg.column("n").to_pylist())
                store.latest_samples(ids)
                store.query_events(at(0), at(1e6))
                reads += 1
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert reads > 0
    total = store.aggregate_samples(ids, at(0), at(1e6), timedelta(hours=10))
    assert sum(total.column("n").to_pylist()) == n_batches * per_batch * len(ids)
