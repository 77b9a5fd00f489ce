"""Store benchmark: append rate and 1-minute aggregate time of the DuckDB backend.

(a) appends the same generated samples through ``DuckDBStore.write_samples`` and through
DuckDB's raw Arrow append (``INSERT INTO t SELECT * FROM arrow_table`` into a bare table of
the same columns), batch by batch, alternating, timing only the write calls; reports both
rates and their ratio (target >= 0.7); the store's writes include maintaining the 1-minute
roll-up. (b) times ``aggregate_samples`` with 1-minute buckets over every signal and the whole
range (target <= 1 s at 100 M samples), best and median of three; it is answered from the
roll-up, so (c) also times the raw-sample query once and checks both answers agree (n, min,
max exactly, mean to 1e-12).

Data: ``--signals`` signals sampled every second, generated with NumPy in time-ordered
batches of ``--batch`` rows (every signal, a run of consecutive seconds). Prints one JSON line.

    python benchmarks/bench_store.py                  # 100 M samples, 100 signals
    python benchmarks/bench_store.py --samples 2000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from smartfactory.store import DuckDBStore, SignalKey
from smartfactory.store.duckdb import timeseries

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


def check(ok: bool, message: str) -> None:
    """Stop the benchmark when a result is wrong: a fast wrong answer is no result."""
    if not ok:
        raise SystemExit(f"bench_store: {message}")


def check_against_raw(path: Path, ids: list[int], end: datetime, agg: pa.Table) -> float:
    """Time the raw-sample 1-minute aggregate once; stop unless it equals the roll-up's."""
    con = duckdb.connect(str(path))  # shares the open store's database instance
    t = time.perf_counter()
    raw = timeseries.aggregate_samples(con, ids, T0, end, timedelta(minutes=1), use_rollup=False)
    seconds = time.perf_counter() - t
    con.close()
    for name in ("signal_id", "bucket", "n", "min", "max"):
        check(agg.column(name).equals(raw.column(name)), f"roll-up {name} differs from raw")
    means = agg.column("mean").to_numpy(), raw.column("mean").to_numpy()
    check(bool(np.allclose(*means, rtol=1e-12, atol=0)), "roll-up mean differs from raw")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000_000)
    parser.add_argument("--signals", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1_000_000, help="rows per write")
    parser.add_argument("--dir", type=Path, default=None, help="where the database files go")
    args = parser.parse_args()
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = DuckDBStore(Path(tmp) / "store.duckdb")
        raw = duckdb.connect(str(Path(tmp) / "raw.duckdb"))
        raw.execute("CREATE TABLE t (signal_id INTEGER, ts TIMESTAMPTZ, value DOUBLE)")
        store.register_signals([SignalKey(f"m{i // 10}", f"s{i}") for i in range(args.signals)])
        ids = list(range(1, args.signals + 1))

        store_s = raw_s = 0.0
        rows = written = 0
        for k, batch in enumerate(batches(args.samples, args.signals, args.batch)):
            order = (0, 1) if k % 2 == 0 else (1, 0)  # alternate who goes first
            for who in order:
                t = time.perf_counter()
                if who == 0:
                    written += store.write_samples(batch)
                    store_s += time.perf_counter() - t
                else:
                    raw.register("arrow_table", batch)
                    raw.execute("INSERT INTO t SELECT * FROM arrow_table")
                    raw.unregister("arrow_table")
                    raw_s += time.perf_counter() - t
            rows += batch.num_rows
            last = batch
        check(written == rows, f"store kept {written} of {rows} new samples")

        t = time.perf_counter()
        rewritten = store.write_samples(last)  # a re-sent batch: the anti-join path
        rewrite_s = time.perf_counter() - t
        check(rewritten == 0, f"a re-sent batch stored {rewritten} rows")

        store.flush()
        raw.execute("CHECKPOINT")
        end = T0 + timedelta(seconds=rows // args.signals)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            agg = store.aggregate_samples(ids, T0, end, timedelta(minutes=1))
            runs.append(time.perf_counter() - t)
        counted = sum(agg.column("n").to_pylist())
        check(counted == rows, f"aggregate counted {counted} of {rows} samples")
        raw_agg_s = check_against_raw(Path(tmp) / "store.duckdb", ids, end, agg)
        store.close()
        raw.close()

    print(
        json.dumps(
            {
                "benchmark": "store",
                "backend": "duckdb",
                "rows": rows,
                "signals": args.signals,
                "batch_rows": args.batch,
                "store_append_s": round(store_s, 3),
                "store_samples_per_s": round(rows / store_s),
                "raw_append_s": round(raw_s, 3),
                "raw_samples_per_s": round(rows / raw_s),
                "append_ratio": round(raw_s / store_s, 3),
                "append_ratio_target": 0.7,
                "rewrite_batch_s": round(rewrite_s, 3),
                "aggregate_1min_s": round(min(runs), 3),
                "aggregate_1min_median_s": round(statistics.median(runs), 3),
                "aggregate_1min_raw_s": round(raw_agg_s, 3),
                "aggregate_rows": agg.num_rows,
                "aggregate_target_s": 1.0,
                "wall_s": round(time.perf_counter() - wall, 1),
                "cores": os.cpu_count(),
                "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
                "duckdb": duckdb.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
