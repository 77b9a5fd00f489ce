"""DuckDB states: upserts keep last-write-wins, and new rows are stored in (machine, start) order.

The KPI fast path reads the window with :func:`query_states_coded` (rows in storage order)
and skips its sort when they come back sorted, so writes keep the table clustered by key.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.store import STATE_SCHEMA, DuckDBStore

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T0_US = int(T0.timestamp()) * 1_000_000
MINUTE = 60_000_000
TS = pa.timestamp("us", tz="UTC")


def batch(machines: list[str], minutes: list[int], states: list[int]) -> pa.Table:
    starts = T0_US + np.asarray(minutes, dtype=np.int64) * MINUTE
    return pa.table(
        [
            pa.array(machines, pa.string()),
            pa.array(starts, TS),
            pa.array(starts + MINUTE, TS),
            pa.array(states, pa.int8()),
            pa.array([""] * len(machines)),
            pa.array([f"o{m}" for m in minutes]),
            pa.array(["p"] * len(machines)),
        ],
        schema=STATE_SCHEMA,
    )


def test_bulk_write_reads_back_sorted(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb")
    rng = np.random.default_rng(3)
    n = 20_000  # several DuckDB vectors and row groups
    # one batch of two machines, shuffled, then one of a third: each batch is stored sorted
    rows = rng.permutation(2 * n)
    machines = np.where(rows < n, "m0", "m1").tolist()
    assert store.write_states(batch(machines, (rows % n).tolist(), [1] * 2 * n)) == 2 * n
    assert store.write_states(batch(["m2"] * n, rng.permutation(n).tolist(), [1] * n)) == n
    store.flush()
    end = T0 + timedelta(minutes=n)
    coded = store.query_states_coded(T0, end, ("m0", "m1", "m2"))
    machine = coded.column("machine").combine_chunks().indices.to_numpy()
    start = coded.column("start").cast(pa.int64()).to_numpy()
    key = machine.astype(np.int64) * (n + 1) * MINUTE + (start - T0_US)
    assert coded.num_rows == 3 * n
    assert bool((np.diff(key) > 0).all())
    store.close()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 30), st.integers(0, 7)),
            max_size=20,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_upserts_match_last_write_wins(batches: list[list[tuple[str, int, int]]]) -> None:
    expected: dict[tuple[str, int], int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "s.duckdb")
        for rows in batches:
            written = store.write_states(
                batch([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
            )
            assert written == len({(m, t) for m, t, _ in rows})
            for m, t, s in rows:
                expected[(m, t)] = s
        got = store.query_states(T0, T0 + timedelta(minutes=40))
        stored = {
            (m, int((s.timestamp() * 1e6 - T0_US) // MINUTE)): st_
            for m, s, st_ in zip(
                got.column("machine").to_pylist(),
                got.column("start").to_pylist(),
                got.column("state").to_pylist(),
                strict=True,
            )
        }
        assert stored == expected
        store.close()
