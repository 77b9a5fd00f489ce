"""OEE with all roll-ups for 50 machines x 30 days of 1-minute state data, from DuckDBStore.

Builds a plant of 50 machines (5 lines of 10), writes one state interval per minute per machine
(2.16 M rows) and one count per producing minute, then times load_cube + every roll-up
(machine, line, area, site, shift, day, week, product, order) against a plain DuckDB
GROUP BY machine, state over the same rows. Prints one JSON line.

    python benchmarks/bench_kpi.py [--days 30] [--machines 50] [--repeat 3]
    python benchmarks/bench_kpi.py --database postgresql://postgres@127.0.0.1:5432/test

With ``--database`` the same rows go into a PostgresStore (a private schema, dropped at the
end; target 0.5 s) and the baseline is the same GROUP BY in PostgreSQL; the line also gives
the best times of the store's two bulk reads alone (``query_states_coded``,
``query_counts_coded``), the part of the KPI time spent moving rows out of PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from smartfactory.config import example_plant
from smartfactory.domain.assets import Plant
from smartfactory.kpi.rollup import rollup
from smartfactory.kpi.service import load_cube
from smartfactory.store import COUNT_SCHEMA, STATE_SCHEMA, DuckDBStore, PostgresStore, Store

GROUPINGS = [("machine",), ("line",), ("area",), ("site",), ("shift",), ("day",), ("week",),
             ("product",), ("order",)]  # fmt: skip


def make_plant(n: int) -> Plant:
    base = example_plant().model_dump()
    template = base["site"]["areas"][0]["lines"][0]["machines"][0]
    lines = []
    for li in range(n // 10):
        machines = [{**template, "id": f"m{li:02d}{k}"} for k in range(10)]
        lines.append({"id": f"line-{li}", "name": {"en": f"Line {li}"}, "machines": machines})
    base["site"]["areas"] = [{"id": "area-1", "name": {"en": "Area"}, "lines": lines}]
    ids = [m["id"] for ln in lines for m in ln["machines"]]
    step = {"operation": "op", "machines": ids, "ideal_cycle_s": 20.0}
    base["products"] = [
        {"id": p, "name": {"en": p}, "routing": [{**step, "ideal_cycle_s": c}]}
        for p, c in (("p1", 20.0), ("p2", 25.0))
    ]
    base["demand"], base["orders"] = [], []
    return Plant.model_validate(base)


def fill(store: Store, plant: Plant, start: datetime, days: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    ids = [m.id for m in plant.machines()]
    minutes = days * 1440
    t0 = int(start.timestamp() * 1e6)
    starts = t0 + np.arange(minutes, dtype=np.int64) * 60_000_000
    rows = 0
    for mi, machine in enumerate(ids):
        state = rng.choice([1, 1, 1, 1, 1, 1, 2, 5, 7, 0], size=minutes).astype(np.int8)
        product = np.where((np.arange(minutes) // 480 + mi) % 2 == 0, "p1", "p2")
        order = np.char.add("o", (np.arange(minutes) // 480).astype(str))
        ts = pa.array(starts, pa.timestamp("us", tz="UTC"))
        te = pa.array(starts + 60_000_000, pa.timestamp("us", tz="UTC"))
        store.write_states(pa.table(
            [pa.array([machine] * minutes), ts, te, pa.array(state), pa.array([""] * minutes),
             pa.array(order), pa.array(product)], schema=STATE_SCHEMA))  # fmt: skip
        prod = state == 1
        good = rng.integers(1, 4, size=int(prod.sum())).astype(np.int32)
        store.write_counts(pa.table(
            [pa.array([machine] * int(prod.sum())),
             pa.array(starts[prod] + 60_000_000 - 1, pa.timestamp("us", tz="UTC")),
             pa.array(good), pa.array((rng.random(good.size) < 0.02).astype(np.int32))],
            schema=COUNT_SCHEMA))  # fmt: skip
        rows += minutes
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default=None, help="a postgresql:// URL")
    args = parser.parse_args()
    if args.database:
        bench_pg(args)
        return
    plant = make_plant(args.machines)
    start = datetime(2024, 3, 4, tzinfo=UTC) - timedelta(hours=9)
    end = start + timedelta(days=args.days)
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckDBStore(Path(tmp) / "bench.duckdb")
        rows = fill(store, plant, start, args.days, seed=7)
        store.flush()
        kpi_times, sql_times = [], []
        n_groups = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            cube = load_cube(store, plant, start, end)
            tables = [rollup(cube, by) for by in GROUPINGS]
            kpi_times.append(time.perf_counter() - t)
            n_groups = sum(len(tb.keys) for tb in tables)
            t = time.perf_counter()
            con = store._reader()  # the plain-SQL baseline on the same rows
            con.execute(
                'SELECT machine, state, sum(epoch("end") - epoch(start)) FROM states '
                'WHERE start < ? AND "end" > ? GROUP BY machine, state',
                [end, start],
            ).fetchall()
            con.execute(
                "SELECT machine, sum(good), sum(scrap) FROM counts WHERE ts >= ? AND ts < ? "
                "GROUP BY machine",
                [start, end],
            ).fetchall()
            sql_times.append(time.perf_counter() - t)
        store.close()
    best, base = min(kpi_times), min(sql_times)
    print(json.dumps({
        "benchmark": "kpi_oee_all_rollups", "machines": args.machines, "days": args.days,
        "state_rows": rows, "groupings": len(GROUPINGS), "groups": n_groups,
        "seconds": round(best, 4), "target_s": 0.2, "duckdb_groupby_s": round(base, 4),
        "ratio_to_groupby": round(best / base, 2), "repeat": args.repeat,
    }))  # fmt: skip


def bench_pg(args: argparse.Namespace) -> None:
    plant = make_plant(args.machines)
    start = datetime(2024, 3, 4, tzinfo=UTC) - timedelta(hours=9)
    end = start + timedelta(days=args.days)
    schema = f"sf_bench_kpi_{os.getpid()}"
    store = PostgresStore(args.database, schema=schema, statement_timeout_s=600)
    try:
        t = time.perf_counter()
        rows = fill(store, plant, start, args.days, seed=7)
        fill_s = time.perf_counter() - t
        with store._reading() as con:
            con.execute("ANALYZE states")
            con.execute("ANALYZE counts")
        kpi_times, sql_times, read_times = [], [], []
        n_groups = 0
        ids = tuple(m.id for m in plant.machines())
        for _ in range(args.repeat):
            t = time.perf_counter()
            cube = load_cube(store, plant, start, end)
            tables = [rollup(cube, by) for by in GROUPINGS]
            kpi_times.append(time.perf_counter() - t)
            n_groups = sum(len(tb.keys) for tb in tables)
            t = time.perf_counter()  # where the time goes: the two bulk reads alone
            store.query_states_coded(start, end, ids)
            mid = time.perf_counter()
            store.query_counts_coded(start, end, ids)
            read_times.append((mid - t, time.perf_counter() - mid))
            t = time.perf_counter()
            with store._reading() as con:
                con.execute(
                    'SELECT machine, state, sum(extract(epoch FROM "end" - start)) FROM states'
                    ' WHERE start < %s AND "end" > %s GROUP BY machine, state',
                    [end, start],
                ).fetchall()
                con.execute(
                    "SELECT machine, sum(good), sum(scrap) FROM counts WHERE ts >= %s"
                    " AND ts < %s GROUP BY machine",
                    [start, end],
                ).fetchall()
            sql_times.append(time.perf_counter() - t)
        server = store.query("SELECT version()")[0][0]
    finally:
        store.drop_schema()
    best, base = min(kpi_times), min(sql_times)
    print(json.dumps({
        "benchmark": "kpi_oee_all_rollups_pg", "machines": args.machines, "days": args.days,
        "state_rows": rows, "groupings": len(GROUPINGS), "groups": n_groups,
        "seconds": round(best, 4), "all_s": [round(x, 3) for x in kpi_times], "target_s": 0.5,
        "pg_groupby_s": round(base, 4), "ratio_to_groupby": round(best / base, 2),
        "read_states_s": round(min(r[0] for r in read_times), 4),
        "read_counts_s": round(min(r[1] for r in read_times), 4),
        "repeat": args.repeat, "fill_s": round(fill_s, 1), "postgresql": str(server)[:16],
        "load_avg": [round(x, 1) for x in os.getloadavg()],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
