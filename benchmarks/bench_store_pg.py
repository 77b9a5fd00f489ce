"""Store benchmark: COPY ingest rate of the PostgreSQL backend against a bare COPY.

Appends the same generated samples through ``PostgresStore.write_samples`` (binary COPY
straight into the daily-partitioned ``samples`` with its primary key and BRIN index, inside a
savepoint, and the batch's roll-up rows grouped in NumPy and upserted, one statement per
roll-up table) and through a bare binary ``COPY`` of the same rows into an unindexed,
unpartitioned table of the same columns, batch by batch, alternating who goes first, timing
only the write calls. Both include encoding the Arrow batch to binary COPY with NumPy (the
same function), so the ratio is the store's overhead: key checks, partition routing and the
1-minute and 1-hour roll-ups. Target >= 200,000 samples/s on 2 cores.
It then checks the roll-ups count every sample once and times ``aggregate_samples`` with
1-minute buckets over everything (read from ``samples_1m``) against the same aggregation
over the raw samples.
With ``--ab`` three more stores (schemas of their own) take their turn on every batch too, the
order of all writers rotating: the previous path (staging table, roll-ups folded in the
``INSERT`` statement), the direct COPY without roll-ups and the staging path without roll-ups,
so the cost of the roll-ups and the gain of the direct COPY are measured in the same run
under the same load.
Finally a re-sent batch must store 0 rows. Everything goes into a private schema of the
database, dropped at the end. Prints one JSON line.

    python benchmarks/bench_store_pg.py                         # 2 M samples, 100 signals
    python benchmarks/bench_store_pg.py --samples 10000000 --database postgresql://...
    python benchmarks/bench_store_pg.py --ab                    # also without the roll-ups
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pyarrow as pa

from smartfactory.store import PostgresStore, SignalKey
from smartfactory.store.postgres import rollup
from smartfactory.store.postgres.copy import encode_samples

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TS = pa.timestamp("us", tz="UTC")


def batches(n_samples: int, n_signals: int, batch_rows: int, seed: int = 0):
    """Yield SAMPLE_SCHEMA tables, each covering consecutive seconds of every signal."""
    rng = np.random.default_rng(seed)
    steps_total = n_samples // n_signals
    steps = max(1, batch_rows // n_signals)
    t0 = int(T0.timestamp()) * 1_000_000
    ids = np.arange(1, n_signals + 1, dtype=np.int32)
    for first in range(0, steps_total, steps):
        k = min(steps, steps_total - first)
        ts = t0 + (first + np.arange(k, dtype=np.int64)) * 1_000_000
        yield pa.table(
            {
                "signal_id": np.repeat(ids, k),
                "ts": pa.array(np.tile(ts, n_signals)).cast(TS),
                "value": rng.normal(50.0, 10.0, size=k * n_signals),
            }
        )


NO_ROLLUP = (
    "WITH ins AS (INSERT INTO samples SELECT signal_id, ts, value FROM _sf_stage"
    " ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins"
)


def write_variant(store: PostgresStore, batch: pa.Table, *, direct: bool, rollups: bool) -> int:
    """``write_samples`` by one path: direct COPY or staging, with or without the roll-ups."""
    saved = rollup.INSERT_SAMPLES, rollup.TABLES
    if not rollups:
        rollup.INSERT_SAMPLES, rollup.TABLES = NO_ROLLUP, {}
    store.direct_copy = direct
    try:
        return store.write_samples(batch)
    finally:
        rollup.INSERT_SAMPLES, rollup.TABLES = saved
        store.direct_copy = True


# the A/B legs besides the store as shipped: (direct COPY, roll-ups)
VARIANTS = {
    "staged": (False, True),  # the previous path: staging table, roll-ups in the statement
    "direct_no_rollup": (True, False),
    "staged_no_rollup": (False, False),
}


def check(ok: bool, message: str) -> None:
    """Stop the benchmark when a result is wrong: a fast wrong answer is no result."""
    if not ok:
        raise SystemExit(f"bench_store_pg: {message}")


def time_aggregates(store, raw, schema, args):
    """Best of 3: 1-minute buckets over every sample from the roll-up and from raw rows."""
    ids = list(range(1, args.signals + 1))
    span_end = T0 + timedelta(seconds=args.samples // args.signals + 1)
    agg_s, raw_s = [], []
    for _ in range(3):
        t = time.perf_counter()
        agg = store.aggregate_samples(ids, T0, span_end, timedelta(minutes=1))
        agg_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw_rows = raw.execute(
            "SELECT signal_id, date_bin('1 minute', ts, timestamptz 'epoch'), count(*),"
            f" avg(value), min(value), max(value) FROM {schema}.samples"
            " WHERE signal_id = ANY(%s) AND ts >= %s AND ts < %s GROUP BY 1, 2 ORDER BY 1, 2",
            [ids, T0, span_end],
        ).fetchall()
        raw_s.append(time.perf_counter() - t)
    check(agg.num_rows == len(raw_rows), "roll-up and raw aggregates differ in rows")
    check(agg.column("n").to_pylist() == [r[2] for r in raw_rows], "counts differ")
    return agg_s, raw_s, agg.num_rows


def write_all(store, others, raw, schema, args):
    """Every batch through each writer, rotating who goes first; seconds spent by each.

    ``others`` maps an A/B leg of :data:`VARIANTS` to its store (its own schema).
    """
    legs = ["store", "bare", *others]
    seconds = dict.fromkeys(legs, 0.0)
    written = dict.fromkeys(legs, 0)
    rows = 0
    last: pa.Table | None = None
    for k, batch in enumerate(batches(args.samples, args.signals, args.batch)):
        shift = k % len(legs)  # rotate who goes first
        for who in legs[shift:] + legs[:shift]:
            t = time.perf_counter()
            if who == "store":
                written[who] += store.write_samples(batch)
            elif who == "bare":
                payload = encode_samples(batch)
                with (
                    raw.transaction(),
                    raw.cursor() as cur,
                    cur.copy(f"COPY {schema}.bare FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    copy.write(payload)
                written[who] += batch.num_rows
            else:
                direct, rollups = VARIANTS[who]
                written[who] += write_variant(others[who], batch, direct=direct, rollups=rollups)
            seconds[who] += time.perf_counter() - t
        rows += batch.num_rows
        last = batch
    for who, n in written.items():
        check(n == rows, f"{who} kept {n} of {rows} new samples")
    if last is None:
        raise SystemExit("bench_store_pg: no samples generated")
    return {who: rows / s for who, s in seconds.items()}, rows, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--signals", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100_000, help="rows per write")
    parser.add_argument(
        "--database",
        default=os.environ.get("SF_TEST_DATABASE", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--ab", action="store_true", help="also time a store without roll-ups")
    args = parser.parse_args()
    schema = f"sf_bench_{os.getpid()}"
    wall = time.perf_counter()
    store = PostgresStore(args.database, schema=schema, statement_timeout_s=600)
    others = {
        name: PostgresStore(args.database, schema=f"{schema}_{i}", statement_timeout_s=600)
        for i, name in enumerate(VARIANTS if args.ab else ())
    }
    raw = psycopg.connect(args.database, autocommit=True, connect_timeout=5)
    try:
        raw.execute(f"CREATE TABLE {schema}.bare (signal_id integer, ts timestamptz, value float8)")
        keys = [SignalKey(f"m{i // 10}", f"s{i}") for i in range(args.signals)]
        store.register_signals(keys)
        for other in others.values():
            other.register_signals(keys)
        rates, rows, last = write_all(store, others, raw, schema, args)
        t = time.perf_counter()
        rewritten = store.write_samples(last)
        rewrite_s = time.perf_counter() - t
        check(rewritten == 0, f"a re-sent batch stored {rewritten} rows")
        for table in ("samples_1m", "samples_1h"):
            got = raw.execute(f"SELECT sum(n) FROM {schema}.{table}").fetchone()
            check(got is not None and int(got[0]) == rows, f"{table} counts {got} samples")
        agg_s, raw_agg_s, agg_rows = time_aggregates(store, raw, schema, args)
        server = raw.execute("SHOW server_version").fetchone()
    finally:
        raw.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        raw.close()
        store.close()
        for other in others.values():
            other.drop_schema()
            other.close()
    store_rate, raw_rate = rates["store"], rates["bare"]
    ab: dict[str, object] = {f"{k}_samples_per_s": round(rates[k]) for k in others}
    if others:
        ab["rollup_cost_direct"] = round(1 - store_rate / rates["direct_no_rollup"], 3)
        ab["rollup_cost_staged"] = round(1 - rates["staged"] / rates["staged_no_rollup"], 3)
        ab["direct_to_staged"] = round(store_rate / rates["staged"], 2)
    print(
        json.dumps(
            {
                "benchmark": "store_pg_ingest",
                "samples": rows,
                "signals": args.signals,
                "batch_rows": args.batch,
                "store_samples_per_s": round(store_rate),
                "bare_copy_samples_per_s": round(raw_rate),
                "ratio_store_to_bare": round(store_rate / raw_rate, 3),
                "target_samples_per_s": 200_000,
                "meets_target": store_rate >= 200_000,
                **ab,
                "load_avg": [round(x, 1) for x in os.getloadavg()],
                "resend_batch_s": round(rewrite_s, 4),
                "aggregate_1min_rollup_s": round(min(agg_s), 4),
                "aggregate_1min_raw_s": round(min(raw_agg_s), 4),
                "aggregate_rows": agg_rows,
                "postgresql": None if server is None else str(server[0]),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "wall_s": round(time.perf_counter() - wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
