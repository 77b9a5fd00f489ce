"""The SQL views of the PostgreSQL store agree with smartfactory's own computations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pytest

from smartfactory.config import example_plant
from smartfactory.domain.states import MachineState as S
from smartfactory.kpi import oee
from smartfactory.store import PostgresStore, SignalKey
from smartfactory.store.base import COUNT_SCHEMA, STATE_SCHEMA
from smartfactory.store.live import StoreLiveSource
from smartfactory.store.postgres.plant import sync_plant
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

T0 = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)
MACHINES = ("cnc-01", "mc-01", "cnc-03")
PRODUCTS = ("shaft-a", "shaft-b", "")
STATES = (S.PRODUCING, S.PRODUCING, S.PRODUCING, S.IDLE, S.SETUP, S.UNPLANNED_STOP,
          S.PLANNED_STOP, S.UNKNOWN, S.STARVED)  # fmt: skip


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[PostgresStore]:
    require_postgres()
    store = PostgresStore(PG_DSN, schema=pg_schema(tmp_path))
    yield store
    store.drop_schema()


def _fill(store: PostgresStore, rng: np.random.Generator, hours: int) -> None:
    states: list[tuple[object, ...]] = []
    counts: list[tuple[object, ...]] = []
    end = T0 + timedelta(hours=hours)
    for machine in MACHINES:
        t = T0
        while t < end:
            length = timedelta(seconds=int(rng.integers(30, 1500)))
            stop = min(t + length, end)
            state = STATES[int(rng.integers(len(STATES)))]
            product = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
            states.append((machine, t, stop, int(state), "", "o-1", product))
            if state == S.PRODUCING:
                span = int((stop - t).total_seconds())
                for offset in sorted(set(rng.integers(1, span, size=span // 60 + 1).tolist())):
                    counts.append(
                        (machine, t + timedelta(seconds=offset, microseconds=7),
                         int(rng.integers(0, 3)), int(rng.integers(0, 2)))
                    )  # fmt: skip
            t = stop
    cols = list(zip(*states, strict=True))
    store.write_states(
        pa.table([pa.array(c, f.type) for c, f in zip(cols, STATE_SCHEMA, strict=True)],
                 schema=STATE_SCHEMA)
    )  # fmt: skip
    cols = list(zip(*counts, strict=True))
    store.write_counts(
        pa.table([pa.array(c, f.type) for c, f in zip(cols, COUNT_SCHEMA, strict=True)],
                 schema=COUNT_SCHEMA)
    )  # fmt: skip


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        none_a = a is None or math.isnan(a)
        none_b = b is None or math.isnan(b)
        return none_a and none_b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_v_oee_hourly_matches_smartfactory_kpi(pg: PostgresStore) -> None:
    plant = example_plant()
    sync_plant(pg, plant)
    _fill(pg, np.random.default_rng(7), hours=4)
    with psycopg.connect(PG_DSN, options=f"-c search_path={pg.schema}") as con:
        rows = con.execute(
            "SELECT machine, hour, pbt_s, apt_s, good, scrap, availability, performance,"
            " quality, oee FROM v_oee_hourly ORDER BY hour, machine"
        ).fetchall()
    assert len(rows) == 4 * len(MACHINES)
    for hour in range(4):
        start = T0 + timedelta(hours=hour)
        want = {
            r.group["machine"]: r
            for r in oee(pg, plant, start, start + timedelta(hours=1), calendar=False)
        }
        for machine, at, pbt, apt, good, scrap, a, p, q, o in rows:
            if at != start:
                continue
            k = want[machine]
            assert math.isclose(pbt, k.pbt_s, abs_tol=1e-6), (machine, at)
            assert math.isclose(apt, k.apt_s, abs_tol=1e-6)
            assert (good, scrap) == (k.gq, k.scrap)
            for got, ref in ((a, k.availability), (p, k.performance), (q, k.quality), (o, k.oee)):
                assert _close(got, ref), (machine, at, got, ref)


def test_signal_views_and_store_live_source(pg: PostgresStore) -> None:
    plant = example_plant()
    ids = pg.register_signals([SignalKey("cnc-01", "temp", "degC")])
    sid = ids[("cnc-01", "temp")]
    ts = [T0 + timedelta(seconds=i) for i in range(120)]
    pg.write_samples(
        pa.table(
            {
                "signal_id": pa.array([sid] * 120, pa.int32()),
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "value": pa.array([float(i) for i in range(120)]),
            }
        )
    )
    _fill(pg, np.random.default_rng(3), hours=1)
    with psycopg.connect(PG_DSN, options=f"-c search_path={pg.schema}") as con:
        assert con.execute("SELECT count(*) FROM v_signals WHERE machine = 'cnc-01'"
                           " AND signal = 'temp'").fetchone() == (120,)  # fmt: skip
        rows = con.execute(
            "SELECT bucket, n, mean, min, max FROM v_signal_1m ORDER BY 1"
        ).fetchall()
        assert [(r[1], r[2], r[3], r[4]) for r in rows] == [(60, 29.5, 0.0, 59.0),
                                                             (60, 89.5, 60.0, 119.0)]  # fmt: skip
        assert con.execute("SELECT n FROM v_signal_1h").fetchall() == [(120,)]
        last = con.execute(
            "SELECT state, category, duration_s FROM v_states WHERE machine = 'mc-01'"
            " ORDER BY start DESC LIMIT 1"
        ).fetchone()
        assert last is not None and last[2] > 0
        at = T0 + timedelta(minutes=30)
        expected = con.execute(
            "SELECT state_code, start FROM v_states WHERE machine = 'mc-01' AND start <= %s"
            " ORDER BY start DESC LIMIT 1",
            [at],
        ).fetchone()
    live = StoreLiveSource(pg, plant, clock=lambda: T0 + timedelta(minutes=30), cache_s=0)
    snap = live.snapshot()
    by = {m.machine: m for m in snap.machines}
    assert expected is not None
    assert (int(by["mc-01"].state), by["mc-01"].since) == expected
    assert snap.timestamp == at
    assert by["insp-01"].state == S.UNKNOWN
    assert len(snap.machines) == sum(1 for _ in plant.machines())


def test_coded_bulk_reads_equal_the_protocol_reads(pg: PostgresStore) -> None:
    _fill(pg, np.random.default_rng(5), hours=2)
    lo, hi = T0 + timedelta(minutes=17), T0 + timedelta(minutes=95)
    for machines in (("mc-01", "cnc-03"), (*MACHINES, *(f"x{i}" for i in range(8)))):
        coded = pg.query_states_coded(lo, hi, machines)
        plain = pg.query_states(lo, hi, [m for m in machines if m in MACHINES])
        decoded = sorted(
            (r["machine"], r["start"], r["end"], r["state"], r["reason"] or "", r["order_id"],
             r["product"] or "")
            for r in coded.to_pylist()
        )  # fmt: skip
        want = sorted(
            (r["machine"], r["start"], r["end"], r["state"], r["reason"] or "", r["order_id"],
             r["product"] or "")
            for r in plain.to_pylist()
        )  # fmt: skip
        assert decoded == want
        counts = pg.query_counts_coded(lo, hi, machines).to_pylist()
        assert sorted(tuple(r.values()) for r in counts) == sorted(
            tuple(r.values()) for r in pg.query_counts(lo, hi, list(machines)).to_pylist()
        )
