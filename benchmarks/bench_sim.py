"""Benchmark: one simulated year of the example plant, sensors once a minute, into DuckDB.

Prints one JSON line: wall seconds, simulated machine-hours per wall second, samples written,
machines and cores. Run: ``python benchmarks/bench_sim.py [--days 365] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from smartfactory.config import example_plant
from smartfactory.sim import FactorySimulation
from smartfactory.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample-interval-s", type=float, default=60.0)
    args = parser.parse_args()
    plant = example_plant()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.duckdb")
        try:
            sim = FactorySimulation(
                plant, store, seed=args.seed, sample_interval_s=args.sample_interval_s
            )
            t0 = time.perf_counter()
            result = sim.run_for(args.days * 86400.0)
            wall = time.perf_counter() - t0
        finally:
            store.close()
    print(
        json.dumps(
            {
                "benchmark": "sim_year",
                "simulated_days": args.days,
                "wall_s": round(wall, 2),
                "machine_hours_per_wall_s": round(result.machine_hours / wall, 1),
                "samples_written": result.samples_written,
                "machines": result.machines,
                "cores": os.cpu_count(),
                "good_units": result.good_units,
                "oee": round(result.oee, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
